package io.pyusage.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pyusage.common.clickhouse.ClickHouseStore;
import io.pyusage.common.clickhouse.SchemaMigrations;
import io.pyusage.common.record.PackageNames;
import io.pyusage.common.record.StartupRecordCodec;
import io.pyusage.common.service.Health;
import io.pyusage.common.service.Service;
import io.pyusage.common.service.ServiceEndpoints;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The query API over HTTP: JSON answers computed by ClickHouse, queries run on worker threads. */
public final class QueryApiService implements Service {

    public static final String NAME = "query-api";
    private static final Logger LOG = LoggerFactory.getLogger(QueryApiService.class);
    private static final int DEFAULT_LIMIT = 1_000;
    private static final int MAX_LIMIT = 10_000;

    private final QueryApiConfig config;
    private final PrometheusMeterRegistry registry = ServiceEndpoints.newRegistry(NAME);
    private final Timer queryLatency = Timer.builder("pyusage_query_clickhouse").description("ClickHouse time per API query")
            .publishPercentileHistogram().register(registry);
    private ClickHouseStore store;
    private HttpServer http;
    private Vertx vertx;

    public QueryApiService(QueryApiConfig config) {
        this.config = config;
    }

    @Override
    public Future<QueryApiService> start(Vertx vertx) {
        this.vertx = vertx;
        Router router = Router.router(vertx);
        router.get("/api/v1/packages/:name/users").handler(this::packageUsers);
        ServiceEndpoints.mount(router, NAME, registry, this::health);
        return Service.setUpThenListen(vertx, () -> {
                    SchemaMigrations.apply(config.clickHouse());
                    store = new ClickHouseStore(config.clickHouse());
                    return null;
                }, router, config.bindHost(), config.httpPort())
                .map(server -> {
                    http = server;
                    return this;
                });
    }

    private void packageUsers(RoutingContext ctx) {
        String name = ctx.pathParam("name");
        String version = ctx.queryParams().get("version");
        String sql;
        TimeWindow window;
        try {
            window = TimeWindow.parse(ctx.queryParams().get("since"), ctx.queryParams().get("until"), LocalDate.now(ZoneOffset.UTC));
            sql = PackageUsersQuery.sql(name, version, window, limit(ctx));
        } catch (BadRequestException e) {
            badRequest(ctx, e);
            return;
        }
        query(sql).onSuccess(rows -> {
            ObjectNode body = StartupRecordCodec.mapper().createObjectNode()
                    .put("package", PackageNames.normalise(name))
                    .put("since", window.since().toString())
                    .put("until", window.until().toString())
                    .put("total", rows.size());
            if (version != null) {
                body.put("version", version);
            }
            ArrayNode users = body.putArray("users");
            rows.forEach(users::add);
            json(ctx, 200, body.toString());
        }).onFailure(error -> {
            LOG.warn("query failed: {}", error.getMessage());
            json(ctx, 502, new JsonObject().put("error", "the database did not answer: " + error.getMessage()).encode());
        });
    }

    private Future<List<JsonNode>> query(String sql) {
        return vertx.executeBlocking(() -> queryLatency.recordCallable(() -> store.query(sql)), false);
    }

    private static int limit(RoutingContext ctx) {
        String value = ctx.queryParams().get("limit");
        if (value == null || value.isBlank()) {
            return DEFAULT_LIMIT;
        }
        try {
            int limit = Integer.parseInt(value);
            if (limit >= 1 && limit <= MAX_LIMIT) {
                return limit;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new BadRequestException("limit", "must be a whole number from 1 to " + MAX_LIMIT);
    }

    private static void badRequest(RoutingContext ctx, BadRequestException e) {
        json(ctx, 400, new JsonObject().put("error", e.getMessage()).put("parameter", e.parameter()).encode());
    }

    private static void json(RoutingContext ctx, int status, String body) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body);
    }

    public Health health() {
        boolean reachable = store != null && store.ping();
        return reachable ? Health.up(Map.of("clickhouse", "reachable"))
                : Health.degraded(Map.of("clickhouse", "unreachable"));
    }

    @Override
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    @Override
    public Future<Void> stop() {
        return Service.closeThenTearDown(vertx, http, () -> {
            if (store != null) {
                store.close();
            }
            return null;
        });
    }
}
