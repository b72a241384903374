package io.pyusage.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pyusage.common.clickhouse.ClickHouseStore;
import io.pyusage.common.clickhouse.ClickHouseStore.ClickHouseException;
import io.pyusage.common.clickhouse.RowsPage;
import io.pyusage.common.clickhouse.SchemaCheck;
import io.pyusage.common.record.StartupRecordCodec;
import io.pyusage.common.service.Health;
import io.pyusage.common.service.SecurityHeaders;
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
import java.util.function.BiFunction;
import java.util.function.Function;
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
    private final QueryGate gate;
    private final Counter refusedRequests;
    private final Counter abandoned;
    private ClickHouseStore store;
    private HttpServer http;
    private Router router;
    private Vertx vertx;

    public QueryApiService(QueryApiConfig config) {
        this.config = config;
        this.gate = new QueryGate(config.gateLimits());
        Gauge.builder("pyusage_query_requests_running", gate, QueryGate::running)
                .description("API requests admitted to ClickHouse").register(registry);
        Gauge.builder("pyusage_query_requests_waiting", gate, QueryGate::waiting)
                .description("API requests waiting for their turn").register(registry);
        refusedRequests = Counter.builder("pyusage_query_requests_refused").description("requests refused with 429: their client had too many waiting")
                .register(registry);
        abandoned = Counter.builder("pyusage_query_requests_abandoned")
                .description("requests whose client went away before the answer; their queries were stopped").register(registry);
    }

    @Override
    public Future<QueryApiService> start(Vertx vertx) {
        this.vertx = vertx;
        router = Router.router(vertx);
        router.route().handler(SecurityHeaders.data());
        router.route("/ui/*").handler(SecurityHeaders.pages(SecurityHeaders.PAGES_POLICY));
        router.route("/reports/deprecation").handler(SecurityHeaders.pages(DeprecationPage.POLICY));
        router.route("/reports/unused").handler(SecurityHeaders.pages(DeprecationPage.POLICY));
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
                (c, parameter, filters) -> PackageQueries.search(parameter.apply("prefix"), filters, Usage.from(parameter.apply("usage"))),
                Map.of()));
        router.get("/api/v1/packages/:name").handler(ctx -> list(ctx,
                (c, parameter, filters) -> PackageQueries.versions(c.pathParam("name"), filters, Usage.from(parameter.apply("usage"))),
                Map.of()));
        router.get("/api/v1/packages/:name/users").handler(ctx -> list(ctx,
                (c, parameter, filters) -> PackageQueries.users(c.pathParam("name"), parameter.apply("version"), filters,
                        Usage.from(parameter.apply("usage"))), Map.of()));
        router.get("/api/v1/packages/:name/trend").handler(ctx -> list(ctx,
                (c, parameter, filters) -> TrendQueries.packageTrend(c.pathParam("name"), parameter.apply("interval"), filters,
                        Usage.from(parameter.apply("usage"))), Map.of()));
        router.get("/api/v1/users/:user").handler(ctx -> list(ctx,
                (c, parameter, filters) -> SubjectQueries.userEnvironments(filters.forUser(c.pathParam("user"))),
                Map.of("packages", side((filters, page) -> SubjectQueries.topPackages(filters.forUser(ctx.pathParam("user")))))));
        router.get("/api/v1/hosts/:host").handler(ctx -> list(ctx,
                (c, parameter, filters) -> SubjectQueries.hostEnvironments(filters.forHost(c.pathParam("host"))),
                Map.of("packages", side((filters, page) -> SubjectQueries.topPackages(filters.forHost(ctx.pathParam("host")))))));
        router.get("/api/v1/trends/starts").handler(ctx -> list(ctx,
                (c, parameter, filters) -> TrendQueries.starts(parameter.apply("interval"), parameter.apply("by"), filters), Map.of()));
        router.get("/api/v1/reports/deprecation").handler(ctx -> list(ctx,
                (c, parameter, filters) -> DeprecationQueries.remaining(filters),
                Map.of("packages", (filters, page) -> {
                    DeprecationQueries.Packages packages = DeprecationQueries.packages(filters, ctx.queryParams().get("target"));
                    Page packagesPage = Page.from(parameter -> ctx.queryParams().get(parameter), "packages_");
                    return queries -> reportPackages(queries, packages).map(all -> all.page(packagesPage));
                })));
        router.get("/reports/deprecation").handler(this::deprecationPage);
        router.get("/api/v1/reports/unused").handler(ctx -> list(ctx,
                (c, parameter, filters) -> UnusedQueries.unused(filters), Map.of("coverage", side((filters, page) -> UnusedQueries.coverage(filters)))));
        router.get("/reports/unused").handler(this::unusedPage);
        router.get("/api/v1/bases").handler(ctx -> list(ctx,
                (c, parameter, filters) -> UsageQueries.bases(filters), Map.of("daily", side(UsageQueries::basesDaily))));
        ServiceEndpoints.mount(router, NAME, registry, this::health);
        return Service.setUpThenListen(vertx, () -> {
                    SchemaCheck.require(config.clickHouse(), NAME);
                    store = new ClickHouseStore(config.clickHouse(), config.querySettings());
                    return null;
                }, router, ServerTls.apply(config.tls(),
                        // Idle longer than the longest query may run silently, so an answer being computed is never cut.
                        new HttpServerOptions().setIdleTimeout((int) config.maxQueryTime().toSeconds() + IDLE_BEYOND_QUERY_SECONDS)
                                // HTTP/1.1 only: a connection that might still upgrade to cleartext HTTP/2 is not closed at its deadline.
                                .setHttp2ClearTextEnabled(false)),
                        Service.DEFAULT_REQUEST_DEADLINE, config.bindHost(), config.httpPort())
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
        Function<RequestQueries, Future<SideAnswer>> prepare(Filters filters, Page page);
    }

    /** A side answer of one query. */
    private SideRequest side(BiFunction<Filters, Page, String> sql) {
        return (filters, page) -> {
            String built = sql.apply(filters, page);
            return queries -> queries.query(built).map(SideAnswer::of);
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
        Map<String, Function<RequestQueries, Future<SideAnswer>>> sideQueries = new LinkedHashMap<>();
        try {
            csv = format(parameter.apply("format"));
            filters = Filters.from(parameter, LocalDate.now(ZoneOffset.UTC));
            page = Page.from(parameter);
            list = request.query(ctx, parameter, filters);
            for (Map.Entry<String, SideRequest> side : sides.entrySet()) {
                Function<RequestQueries, Future<SideAnswer>> prepared = side.getValue().prepare(filters, page);
                if (!csv) {
                    sideQueries.put(side.getKey(), prepared);
                }
            }
        } catch (BadRequestException e) {
            badRequest(ctx, e);
            return;
        }
        admitted(ctx, queries -> {
            Future<RowsPage> found = queryPage(queries, list, page);
            Future<List<JsonNode>> rows = found.map(RowsPage::rows);
            Future<Long> total = found.compose(answer -> total(queries, answer, page, list));
            Map<String, Future<SideAnswer>> sideAnswers = new LinkedHashMap<>();
            sideQueries.forEach((key, prepared) -> sideAnswers.put(key, prepared.apply(queries)));
            List<Future<?>> all = new ArrayList<>(List.of(rows, total));
            all.addAll(sideAnswers.values());
            return Future.all(all).onSuccess(done -> {
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
                sideAnswers.forEach((key, answer) -> answer.result().writeInto(body, key));
                json(ctx, 200, body.toString());
            }).onFailure(error -> failed(ctx, error));
        });
    }

    /**
     * Runs a request's queries once the gate admits it (429 when its client has too many waiting),
     * and leaves the gate when they end; a client that goes away meanwhile leaves at once, and what
     * it still runs in ClickHouse is stopped.
     */
    private void admitted(RoutingContext ctx, Function<RequestQueries, Future<?>> work) {
        gate.admit(client(ctx)).onFailure(refused -> {
            refusedRequests.increment();
            ctx.response().putHeader("Retry-After", "1");
            json(ctx, 429, new JsonObject().put("error", refused.getMessage()).encode());
        }).onSuccess(ticket -> {
            if (ctx.response().closed()) {
                ticket.leave();
                return;
            }
            RequestQueries queries = new RequestQueries(vertx, store, queryLatency, ticket.priority());
            ctx.response().closeHandler(closed -> {
                if (!ctx.response().ended()) {
                    abandoned.increment();
                    queries.cancel();
                }
                ticket.leave();
            });
            work.apply(queries).onComplete(done -> ticket.leave());
        });
    }

    /** Whom the gate counts a request against: its token, or its address when the API is open. */
    private String client(RoutingContext ctx) {
        String authorization = ctx.request().getHeader("Authorization");
        return config.tokens().enabled() && authorization != null ? "token " + authorization
                : "address " + ctx.request().remoteAddress().hostAddress();
    }

    /**
     * A page of a list; a plain or ranked list's with the number of rows before its LIMIT as
     * ClickHouse counted them (a ranked page then gets its details), a keyed list's with the sum of
     * its keys' rows.
     */
    private Future<RowsPage> queryPage(RequestQueries queries, ListQuery list, Page page) {
        if (list.keyed() != null) {
            KeyedList keyed = list.keyed();
            return queries.query(keyed.rowsPerKey()).compose(rowsPerKey -> {
                KeyedList.Located located = KeyedList.locate(rowsPerKey, page);
                OptionalLong total = OptionalLong.of(located.total());
                return located.isEmpty() ? Future.succeededFuture(new RowsPage(List.of(), total))
                        : queries.query(keyed.page(located, page)).map(rows -> new RowsPage(rows, total));
            });
        }
        Future<RowsPage> found = queries.queryPage(list.page(page));
        return found.compose(ranked -> {
            List<String> details = list.details(ranked.rows());
            if (details.isEmpty()) {
                return Future.succeededFuture(ranked);
            }
            return queries.queryAll(details).map(rows -> new RowsPage(ListQuery.withDetails(ranked.rows(), rows), ranked.rowsBeforeLimit()));
        });
    }

    /**
     * The number of rows of the whole list. A page that is not full tells it (most lookups are one
     * page), a plain or ranked list's page comes with it; only a page past the end of the list, or
     * an engine that does not report it, needs the list counted.
     */
    private Future<Long> total(RequestQueries queries, RowsPage found, Page page, ListQuery list) {
        int size = found.rows().size();
        if (size < page.limit() && (size > 0 || page.offset() == 0)) {
            return Future.succeededFuture((long) page.offset() + size);
        }
        if (found.rowsBeforeLimit().isPresent()) {
            return Future.succeededFuture(found.rowsBeforeLimit().getAsLong());
        }
        return queries.query(list.count()).map(answer -> answer.get(0).path("total").asLong());
    }

    /** A failed query's answer: our own words and an incident id, never SQL or the server's text. */
    private static void failed(RoutingContext ctx, Throwable error) {
        if (ctx.response().closed()) {
            return; // the client has gone and its queries were stopped: nobody to tell
        }
        DatabaseFailure failure = DatabaseFailure.of(error);
        json(ctx, failure.status(), new JsonObject().put("error", failure.message()).put("incident", failure.incident()).encode());
    }

    /** The deprecation report as one printable page: the first {@value Page#MAX_LIMIT} remaining rows and packages, with their totals. */
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
        admitted(ctx, queries -> {
            Future<RowsPage> remaining = queryPage(queries, remainingList, new Page(Page.MAX_LIMIT, 0));
            Future<ReportPackages> packages = reportPackages(queries, packagesQueries);
            return Future.all(remaining, packages).onSuccess(done -> ctx.response().setStatusCode(200)
                    .putHeader("Content-Type", "text/html; charset=utf-8")
                    .end(DeprecationPage.render(filters, parameter.apply("target"), ctx.request().query(), remaining.result(),
                            packages.result()))).onFailure(error -> {
                                if (ctx.response().closed()) {
                                    return;
                                }
                                DatabaseFailure failure = DatabaseFailure.of(error);
                                ctx.response().setStatusCode(failure.status()).putHeader("Content-Type", "text/html; charset=utf-8")
                                        .end(DeprecationPage.error(failure.message()));
                            });
        });
    }

    /** The unused-packages report as a printable page (see {@link DeprecationPage#renderUnused}). */
    private void unusedPage(RoutingContext ctx) {
        Function<String, String> parameter = name -> ctx.queryParams().get(name);
        Filters filters;
        ListQuery unused;
        String coverage;
        try {
            filters = Filters.from(parameter, LocalDate.now(ZoneOffset.UTC));
            unused = UnusedQueries.unused(filters);
            coverage = UnusedQueries.coverage(filters);
        } catch (BadRequestException e) {
            ctx.response().setStatusCode(400).putHeader("Content-Type", "text/html; charset=utf-8").end(DeprecationPage.error(e.getMessage()));
            return;
        }
        admitted(ctx, queries -> {
            Future<RowsPage> rows = queryPage(queries, unused, new Page(Page.MAX_LIMIT, 0));
            Future<List<JsonNode>> counts = queries.query(coverage);
            return Future.all(rows, counts).onSuccess(done -> ctx.response().setStatusCode(200)
                    .putHeader("Content-Type", "text/html; charset=utf-8")
                    .end(DeprecationPage.renderUnused(filters, ctx.request().query(), rows.result(), counts.result().get(0))))
                    .onFailure(error -> {
                        if (ctx.response().closed()) {
                            return;
                        }
                        DatabaseFailure failure = DatabaseFailure.of(error);
                        ctx.response().setStatusCode(failure.status()).putHeader("Content-Type", "text/html; charset=utf-8")
                                .end(DeprecationPage.error(failure.message()));
                    });
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
    private Future<ReportPackages> reportPackages(RequestQueries queries, DeprecationQueries.Packages packages) {
        return queries.queryPage(packages.plain()).compose(plain -> {
            if (plain.rows().stream().anyMatch(row -> row.path("repeated").asInt() == 1)) {
                return queries.queryPage(packages.exact()).map(ReportPackages::of);
            }
            plain.rows().forEach(row -> ((ObjectNode) row).remove("repeated"));
            return Future.succeededFuture(ReportPackages.of(plain));
        });
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
        if (store == null) {
            return Health.degraded(Map.of("clickhouse", "unreachable"));
        }
        // The replica requests go to; a failed ping sends later ones to the next.
        boolean reachable = store.ping();
        Map<String, Object> details = Map.of("clickhouse", reachable ? "reachable" : "unreachable",
                "clickhouse_replica", store.currentReplica().toString());
        return reachable ? Health.up(details) : Health.degraded(details);
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
