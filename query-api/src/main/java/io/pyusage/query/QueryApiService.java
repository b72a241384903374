package io.pyusage.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pyusage.common.clickhouse.ClickHouseStore;
import io.pyusage.common.clickhouse.ClickHouseStore.ClickHouseException;
import io.pyusage.common.clickhouse.RowsPage;
import io.pyusage.common.clickhouse.SchemaMigrations;
import io.pyusage.common.record.StartupRecordCodec;
import io.pyusage.common.service.Health;
import io.pyusage.common.service.Service;
import io.pyusage.common.service.ServiceEndpoints;
import io.pyusage.common.config.ServerTls;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The query API over HTTP: JSON answers computed by ClickHouse, queries run on worker threads. */
public final class QueryApiService implements Service {

    public static final String NAME = "query-api";
    /** A connection idle this much longer than the longest query is closed (half-sent requests included). */
    private static final int IDLE_BEYOND_QUERY_SECONDS = 10;
    private static final Logger LOG = LoggerFactory.getLogger(QueryApiService.class);

    /** The API's OpenAPI document, served as it is (a resource of this module). */
    private static final String OPENAPI = resource("/openapi.yaml");

    private final QueryApiConfig config;
    private final PrometheusMeterRegistry registry = ServiceEndpoints.newRegistry(NAME);
    private final Timer queryLatency = Timer.builder("pyusage_query_clickhouse").description("ClickHouse time per API query")
            .publishPercentileHistogram().register(registry);
    private ClickHouseStore store;
    private HttpServer http;
    private Router router;
    private Vertx vertx;

    public QueryApiService(QueryApiConfig config) {
        this.config = config;
    }

    @Override
    public Future<QueryApiService> start(Vertx vertx) {
        this.vertx = vertx;
        router = Router.router(vertx);
        router.route("/api/*").handler(require(ApiTokens.Role.READER));
        router.route("/reports/*").handler(require(ApiTokens.Role.READER));
        if (!config.openMetrics()) {
            router.route("/metrics").handler(require(ApiTokens.Role.READER));
        }
        if (!config.tokens().enabled()) {
            LOG.warn("no PYUSAGE_QUERY_TOKENS: the API answers anyone who can reach it");
        }
        router.get("/api/v1/pseudonyms/:user").handler(require(ApiTokens.Role.ADMIN)).handler(this::pseudonym);
        // The built-in pages are static; they hold no data and ask the API with the reader's token.
        router.get("/").handler(ctx -> ctx.redirect("/ui/"));
        router.get("/ui/*").handler(StaticHandler.create("ui"));
        router.get("/openapi.yaml").handler(ctx -> ctx.response().putHeader("Content-Type", "application/yaml").end(OPENAPI));
        router.get("/api/v1/packages").handler(ctx -> list(ctx,
                (c, parameter, filters) -> PackageQueries.search(parameter.apply("prefix"), filters), Map.of()));
        router.get("/api/v1/packages/:name").handler(ctx -> list(ctx,
                (c, parameter, filters) -> PackageQueries.versions(c.pathParam("name"), filters), Map.of()));
        router.get("/api/v1/packages/:name/users").handler(ctx -> list(ctx,
                (c, parameter, filters) -> PackageQueries.users(c.pathParam("name"), parameter.apply("version"), filters), Map.of()));
        router.get("/api/v1/packages/:name/trend").handler(ctx -> list(ctx,
                (c, parameter, filters) -> TrendQueries.packageTrend(c.pathParam("name"), parameter.apply("interval"), filters), Map.of()));
        router.get("/api/v1/users/:user").handler(ctx -> list(ctx,
                (c, parameter, filters) -> SubjectQueries.userEnvironments(filters.forUser(c.pathParam("user"))),
                Map.of("packages", side(filters -> SubjectQueries.topPackages(filters.forUser(ctx.pathParam("user")))))));
        router.get("/api/v1/hosts/:host").handler(ctx -> list(ctx,
                (c, parameter, filters) -> SubjectQueries.hostEnvironments(filters.forHost(c.pathParam("host"))),
                Map.of("packages", side(filters -> SubjectQueries.topPackages(filters.forHost(ctx.pathParam("host")))))));
        router.get("/api/v1/trends/starts").handler(ctx -> list(ctx,
                (c, parameter, filters) -> TrendQueries.starts(parameter.apply("interval"), parameter.apply("by"), filters), Map.of()));
        router.get("/api/v1/reports/deprecation").handler(ctx -> list(ctx,
                (c, parameter, filters) -> DeprecationQueries.remaining(filters),
                Map.of("packages", filters -> {
                    DeprecationQueries.Packages packages = DeprecationQueries.packages(filters, ctx.queryParams().get("target"));
                    return () -> reportPackages(packages);
                })));
        router.get("/reports/deprecation").handler(this::deprecationPage);
        router.get("/api/v1/bases").handler(ctx -> list(ctx,
                (c, parameter, filters) -> UsageQueries.bases(filters), Map.of("daily", side(UsageQueries::basesDaily))));
        ServiceEndpoints.mount(router, NAME, registry, this::health);
        return Service.setUpThenListen(vertx, () -> {
                    SchemaMigrations.apply(config.clickHouse());
                    store = new ClickHouseStore(config.clickHouse(), config.querySettings());
                    return null;
                }, router, ServerTls.apply(config.tls(),
                        // Idle longer than the longest query may run silently, so an answer being computed is never cut.
                        new HttpServerOptions().setIdleTimeout((int) config.maxQueryTime().toSeconds() + IDLE_BEYOND_QUERY_SECONDS)), config.bindHost(), config.httpPort())
                .map(server -> {
                    http = server;
                    return this;
                });
    }

    /**
     * Lets a request through when its token's role allows {@code needed}: 401 without a known token,
     * 403 with one whose role does not. With no tokens configured, everything but admin requests is open.
     */
    private Handler<RoutingContext> require(ApiTokens.Role needed) {
        return ctx -> {
            String authorization = ctx.request().getHeader("Authorization");
            Optional<ApiTokens.Role> role = config.tokens().enabled() ? config.tokens().role(authorization) : Optional.of(ApiTokens.Role.READER);
            if (role.isPresent() && role.get().allows(needed)) {
                ctx.next();
            } else if (role.isPresent()) {
                json(ctx, 403, new JsonObject().put("error", "this needs an " + needed.name().toLowerCase(Locale.ROOT) + " token"
                        + (config.tokens().enabled() ? "" : "; none is configured (PYUSAGE_QUERY_TOKENS)")).encode());
            } else {
                // A client that sent a Bearer token is answered in Bearer terms only: a Basic challenge would
                // make a browser open its login box over the built-in pages' own token form.
                boolean bearer = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7);
                ctx.response().putHeader("WWW-Authenticate", bearer ? "Bearer realm=\"pyusage\", error=\"invalid_token\""
                        : "Basic realm=\"pyusage\", Bearer realm=\"pyusage\"");
                json(ctx, 401, new JsonObject().put("error", "a token is needed: Authorization: Bearer <token>, or the token as the password").encode());
            }
        };
    }

    /**
     * {@code GET /api/v1/pseudonyms/{user}} (admin): the stored form of a user name, to look that
     * user up when names are stored as keyed hashes.
     */
    private void pseudonym(RoutingContext ctx) {
        if (!config.userNames().pseudonymised()) {
            json(ctx, 404, new JsonObject().put("error", "user names are stored as given: no PYUSAGE_PSEUDONYM_KEY is configured").encode());
            return;
        }
        String user = ctx.pathParam("user");
        json(ctx, 200, new JsonObject().put("user", user).put("pseudonym", config.userNames().stored(user)).encode());
    }

    /** What a list endpoint asks for, from its path and query parameters and the filters. */
    private interface ListRequest {
        ListQuery query(RoutingContext ctx, Function<String, String> parameter, Filters filters);
    }

    /**
     * A side answer of a list (JSON only), e.g. a daily series beside the rows: its queries are built
     * (and the parameters checked) first, and asked once the whole request is known to be valid.
     */
    private interface SideRequest {
        Supplier<Future<List<JsonNode>>> prepare(Filters filters);
    }

    /** A side answer of one query. */
    private SideRequest side(Function<Filters, String> sql) {
        return filters -> {
            String built = sql.apply(filters);
            return () -> query(built);
        };
    }

    /**
     * Answers one page of a list, with the count of all its rows, as JSON or, with {@code format=csv},
     * as CSV. Every parameter is checked before anything is asked of ClickHouse.
     */
    private void list(RoutingContext ctx, ListRequest request, Map<String, SideRequest> sides) {
        Function<String, String> parameter = name -> ctx.queryParams().get(name);
        Filters filters;
        Page page;
        ListQuery list;
        boolean csv;
        Map<String, Supplier<Future<List<JsonNode>>>> sideQueries = new LinkedHashMap<>();
        try {
            csv = format(parameter.apply("format"));
            filters = Filters.from(parameter, LocalDate.now(ZoneOffset.UTC));
            page = Page.from(parameter);
            list = request.query(ctx, parameter, filters);
            for (Map.Entry<String, SideRequest> side : sides.entrySet()) {
                Supplier<Future<List<JsonNode>>> prepared = side.getValue().prepare(filters);
                if (!csv) {
                    sideQueries.put(side.getKey(), prepared);
                }
            }
        } catch (BadRequestException e) {
            badRequest(ctx, e);
            return;
        }
        Future<RowsPage> found = queryPage(list, page);
        Future<List<JsonNode>> rows = found.map(RowsPage::rows);
        Future<Long> total = found.compose(answer -> total(answer, page, list));
        Map<String, Future<List<JsonNode>>> sideAnswers = new LinkedHashMap<>();
        sideQueries.forEach((key, prepared) -> sideAnswers.put(key, prepared.get()));
        List<Future<?>> all = new ArrayList<>(List.of(rows, total));
        all.addAll(sideAnswers.values());
        Future.all(all).onSuccess(done -> {
            if (csv) {
                ctx.response().setStatusCode(200)
                        .putHeader("Content-Type", "text/csv; charset=utf-8")
                        .putHeader("Content-Disposition", "attachment; filename=\"pyusage.csv\"")
                        .putHeader("X-Total-Count", String.valueOf(total.result()))
                        .end(Csv.of(rows.result()));
                return;
            }
            ObjectNode body = StartupRecordCodec.mapper().createObjectNode()
                    .put("since", filters.window().since().toString())
                    .put("until", filters.window().until().toString())
                    .put("total", total.result())
                    .put("limit", page.limit())
                    .put("offset", page.offset());
            rows.result().forEach(body.putArray("rows")::add);
            sideAnswers.forEach((key, answer) -> answer.result().forEach(body.putArray(key)::add));
            json(ctx, 200, body.toString());
        }).onFailure(error -> failed(ctx, error));
    }

    /**
     * A page of a list; a plain or ranked list's with the number of rows before its LIMIT as
     * ClickHouse counted them (a ranked page then gets its details), a keyed list's with the sum of
     * its keys' rows.
     */
    private Future<RowsPage> queryPage(ListQuery list, Page page) {
        if (list.keyed() != null) {
            KeyedList keyed = list.keyed();
            return query(keyed.rowsPerKey()).compose(rowsPerKey -> {
                KeyedList.Located located = KeyedList.locate(rowsPerKey, page);
                OptionalLong total = OptionalLong.of(located.total());
                return located.isEmpty() ? Future.succeededFuture(new RowsPage(List.of(), total))
                        : query(keyed.page(located, page)).map(rows -> new RowsPage(rows, total));
            });
        }
        Future<RowsPage> found = timedOnWorker(() -> store.queryPage(list.page(page)));
        return found.compose(ranked -> list.details(ranked.rows())
                .map(details -> query(details).map(rows -> new RowsPage(ListQuery.withDetails(ranked.rows(), rows), ranked.rowsBeforeLimit())))
                .orElse(Future.succeededFuture(ranked)));
    }

    /**
     * The number of rows of the whole list. A page that is not full tells it (most lookups are one
     * page), a plain or ranked list's page comes with it; only a page past the end of the list, or
     * an engine that does not report it, needs the list counted.
     */
    private Future<Long> total(RowsPage found, Page page, ListQuery list) {
        int size = found.rows().size();
        if (size < page.limit() && (size > 0 || page.offset() == 0)) {
            return Future.succeededFuture((long) page.offset() + size);
        }
        if (found.rowsBeforeLimit().isPresent()) {
            return Future.succeededFuture(found.rowsBeforeLimit().getAsLong());
        }
        return query(list.count()).map(answer -> answer.get(0).path("total").asLong());
    }

    /** A query over its limits is the request's fault (422, say what to do); anything else the database's (502). */
    private static void failed(RoutingContext ctx, Throwable error) {
        LOG.warn("query failed: {}", error.getMessage());
        if (error instanceof ClickHouseException e && e.isLimitExceeded()) {
            json(ctx, 422, new JsonObject().put("error", "the query needs more time or memory than allowed: narrow the window "
                    + "(since/until) or add filters").put("detail", e.getMessage()).encode());
            return;
        }
        json(ctx, 502, new JsonObject().put("error", "the database did not answer: " + error.getMessage()).encode());
    }

    /** The deprecation report as one printable page: every remaining start and every package, no paging. */
    private void deprecationPage(RoutingContext ctx) {
        Function<String, String> parameter = name -> ctx.queryParams().get(name);
        Filters filters;
        ListQuery remainingList;
        DeprecationQueries.Packages packagesQueries;
        try {
            filters = Filters.from(parameter, LocalDate.now(ZoneOffset.UTC));
            remainingList = DeprecationQueries.remaining(filters);
            packagesQueries = DeprecationQueries.packages(filters, parameter.apply("target"));
        } catch (BadRequestException e) {
            ctx.response().setStatusCode(400).putHeader("Content-Type", "text/html; charset=utf-8")
                    .end(DeprecationPage.error(e.getMessage()));
            return;
        }
        Future<List<JsonNode>> remaining = queryPage(remainingList, new Page(Page.MAX_LIMIT, 0)).map(RowsPage::rows);
        Future<List<JsonNode>> packages = reportPackages(packagesQueries);
        Future.all(remaining, packages).onSuccess(done -> ctx.response().setStatusCode(200)
                .putHeader("Content-Type", "text/html; charset=utf-8")
                .end(DeprecationPage.render(filters, parameter.apply("target"), ctx.request().query(), remaining.result(),
                        packages.result()))).onFailure(error -> {
                            LOG.warn("query failed: {}", error.getMessage());
                            ctx.response().setStatusCode(502).putHeader("Content-Type", "text/html; charset=utf-8")
                                    .end(DeprecationPage.error("the database did not answer: " + error.getMessage()));
                        });
    }

    private static boolean format(String format) {
        if (format == null || format.isBlank() || format.equals("json")) {
            return false;
        }
        if (format.equals("csv")) {
            return true;
        }
        throw new BadRequestException("format", "must be json or csv");
    }

    /** The report's packages: the plain form, or the exact one when the plain one marks a package row stored twice. */
    private Future<List<JsonNode>> reportPackages(DeprecationQueries.Packages packages) {
        return query(packages.plain()).compose(rows -> {
            if (rows.stream().anyMatch(row -> row.path("repeated").asInt() == 1)) {
                return query(packages.exact());
            }
            rows.forEach(row -> ((ObjectNode) row).remove("repeated"));
            return Future.succeededFuture(rows);
        });
    }

    private Future<List<JsonNode>> query(String sql) {
        return timedOnWorker(() -> store.query(sql));
    }

    /** A ClickHouse call on a worker thread (it blocks), timed; unordered, so a slow one holds up no other. */
    private <T> Future<T> timedOnWorker(Callable<T> call) {
        return vertx.executeBlocking(() -> queryLatency.recordCallable(call), false);
    }

    private static void badRequest(RoutingContext ctx, BadRequestException e) {
        json(ctx, 400, new JsonObject().put("error", e.getMessage()).put("parameter", e.parameter()).encode());
    }

    private static void json(RoutingContext ctx, int status, String body) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body);
    }

    private static String resource(String name) {
        try (InputStream in = QueryApiService.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the build");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The API routes the router knows, with Vert.x's {@code :param} written as OpenAPI's {@code {param}}. */
    List<String> apiPaths() {
        return router.getRoutes().stream().map(Route::getPath).filter(path -> path != null && path.startsWith("/api/v1/"))
                .map(path -> path.replaceAll(":([a-z]+)", "{$1}")).distinct().sorted().toList();
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
