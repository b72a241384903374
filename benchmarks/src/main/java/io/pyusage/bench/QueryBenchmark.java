package io.pyusage.bench;

import static io.pyusage.bench.CollectorBenchmark.say;

import com.fasterxml.jackson.databind.JsonNode;
import io.pyusage.common.clickhouse.ClickHouseConfig;
import io.pyusage.common.clickhouse.ClickHouseStore;
import io.pyusage.common.config.Env;
import io.pyusage.devstack.ClickHousePanels;
import io.pyusage.devstack.GrafanaMacros;
import io.pyusage.devstack.servers.EmbeddedClickHouse;
import io.pyusage.devstack.servers.FreePorts;
import io.pyusage.query.QueryApiConfig;
import io.pyusage.query.QueryApiService;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Latency of every query-API endpoint on a year of synthetic starts in ClickHouse 18.16: p50 and p95
 * over varied requests (different packages, users, hosts, bases, windows), one at a time, each next
 * to the same-run baseline of a plain count of the window's starts asked of ClickHouse directly.
 * Measured as a service that runs all the time answers: after the load's merges have ended, and after
 * {@code bench.warmUp} other requests to each endpoint (other packages, users and hosts drawn the
 * same way), so that neither a merge nor the first requests' class loading and JIT compiling lands
 * in the figures. Then the same mix from {@code bench.clients} clients at once, each with its own
 * token, and every dashboard panel's SQL straight to ClickHouse. Not a test: {@code ./pyusage bench
 * query} ({@code -Dbench.days=N}, {@code -Dbench.requests=N}, {@code -Dbench.warmUp=N},
 * {@code -Dbench.clients=N}, {@code -Dbench.clientRounds=N}, {@code -Dbench.panelRuns=N}).
 */
public final class QueryBenchmark {

    private static final int DAYS = Integer.getInteger("bench.days", 365);
    private static final int REQUESTS = Integer.getInteger("bench.requests", 100);
    private static final int WARM_UP = Integer.getInteger("bench.warmUp", 20);
    private static final Duration MERGES_END = Duration.ofMinutes(10);
    private static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(2);
    private static final int CLIENTS = Integer.getInteger("bench.clients", 8);
    /** Rounds over every endpoint that each concurrent client sends. */
    private static final int CLIENT_ROUNDS = Integer.getInteger("bench.clientRounds", 4);
    private static final int PANEL_RUNS = Integer.getInteger("bench.panelRuns", 20);
    private static final String[] WINDOWS = {"", "since=30d", "since=12w", "since=180d", "since=365d"};

    private QueryBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        try (WorkDirectory dir = WorkDirectory.create("query");
             EmbeddedClickHouse server = EmbeddedClickHouse.onFreePorts(dir.resolve("clickhouse")).start()) {
            ClickHouseConfig config = BenchDatabases.migrated(server, "pyusage");
            Map<String, List<String>> values;
            try (ClickHouseStore store = new ClickHouseStore(config)) {
                BulkLoader loader = BulkLoader.loadDays(store, DAYS);
                say("loaded %,d starts (%d days) in %,d environments", loader.loaded(), DAYS, loader.environments());
                store.execute("OPTIMIZE TABLE environment_packages FINAL");
                values = values(store);
                awaitMerges(store);
            }
            int port = FreePorts.next();
            Vertx vertx = Vertx.vertx();
            // A reader token per concurrent client, as a support team and a few dashboards each have their own.
            List<String> tokens = IntStream.range(0, CLIENTS).mapToObj(c -> "bench-reader-token-" + c).toList();
            QueryApiService api = new QueryApiService(QueryApiConfig.from(new Env(Map.of("PYUSAGE_QUERY_HOST", "127.0.0.1",
                    "PYUSAGE_QUERY_HTTP_PORT", String.valueOf(port), "PYUSAGE_CLICKHOUSE_URL", server.httpUrl(),
                    "PYUSAGE_CLICKHOUSE_DATABASE", "pyusage", "PYUSAGE_CLICKHOUSE_PASSWORD", server.password(),
                    "PYUSAGE_QUERY_TOKENS", tokens.stream().map(t -> t + "=reader").collect(Collectors.joining(","))))));
            api.start(vertx).await(60, TimeUnit.SECONDS);
            try {
                run("http://127.0.0.1:" + port, server.urlWithCredentials(), values, tokens);
            } finally {
                api.stop().await(30, TimeUnit.SECONDS);
                vertx.close().await(30, TimeUnit.SECONDS);
            }
        }
    }

    /** Packages of every popularity, users and hosts of every activity, and the bases, to vary the requests with. */
    private static Map<String, List<String>> values(ClickHouseStore store) {
        Map<String, List<String>> values = new LinkedHashMap<>();
        values.put("package", column(store.query("SELECT name FROM environment_packages GROUP BY name ORDER BY count() DESC"), "name"));
        values.put("user", column(store.query("SELECT user FROM starts GROUP BY user ORDER BY count() DESC"), "user"));
        values.put("host", column(store.query("SELECT host FROM starts GROUP BY host ORDER BY count() DESC"), "host"));
        values.put("base", column(store.query("SELECT DISTINCT base FROM starts ORDER BY base"), "base"));
        return values;
    }

    /** Waits until ClickHouse has no merge running (the load's parts are merged), at most {@link #MERGES_END}. */
    private static void awaitMerges(ClickHouseStore store) throws InterruptedException {
        long begin = System.nanoTime();
        int running = BenchDatabases.awaitMerges(store, MERGES_END);
        say("merges after the load: %s after %.0f s", running == 0 ? "ended" : running + " still running", (System.nanoTime() - begin) / 1e9);
    }

    private static void run(String api, String clickHouse, Map<String, List<String>> values, List<String> tokens) throws Exception {
        String token = tokens.get(0);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        IntFunction<String> baseline = i -> clickHouse + "&database=pyusage&query="
                + enc("SELECT count() FROM starts WHERE day >= today() - " + (30 + i % 5 * 80));
        timed(WARM_UP, baseline, http, null);
        for (IntFunction<String> endpoint : endpoints(api, values, new Random(11)).values()) {
            timed(WARM_UP, endpoint, http, token);
        }
        say("warm-up: %d requests to each endpoint (drawn with another seed than the measured ones)", WARM_UP);

        double[] baselineTimes = timed(REQUESTS, baseline, http, null);
        if (baselineTimes[REQUESTS] > 0) {
            throw new IllegalStateException("the baseline count failed " + (int) baselineTimes[REQUESTS] + " times: no figure would mean anything");
        }
        double baselineP95 = percentile(baselineTimes, 95);
        say("baseline, SELECT count() of a window's starts straight from ClickHouse: p50 %.1f ms, p95 %.1f ms",
                percentile(baselineTimes, 50), baselineP95);
        System.out.printf("%-30s %9s %9s %15s %12s %7s%n", "endpoint", "p50 ms", "p95 ms", "p95 / baseline", "target", "errors");
        for (Map.Entry<String, IntFunction<String>> endpoint : endpoints(api, values, new Random(7)).entrySet()) {
            double[] times = timed(REQUESTS, endpoint.getValue(), http, token);
            String target = endpoint.getKey().startsWith("reports") ? "10" : "4";
            System.out.printf("%-30s %9.1f %9.1f %15.1f %12s %7.0f%n", endpoint.getKey(), percentile(times, 50), percentile(times, 95),
                    percentile(times, 95) / baselineP95, target, times[REQUESTS]);
        }
        importedBesideInstalled(api, values, http, token);
        concurrently(api, values, tokens, baselineP95);
        dashboardPanels(clickHouse, values, http, baselineP95);
    }

    /**
     * Each package answer with {@code usage=imported} beside the same requests without it (the same
     * packages and windows, drawn from generators of the same seed): p95 of imported over p95 of
     * installed, which the import answers are to keep at 1.2 or below.
     */
    private static void importedBesideInstalled(String api, Map<String, List<String>> values, HttpClient http, String token) throws Exception {
        List<String> packages = values.get("package");
        Map<String, java.util.function.BiFunction<Random, Integer, String>> answers = new LinkedHashMap<>();
        answers.put("packages?prefix= (2 letters)", (r, i) -> api + "/api/v1/packages?prefix=" + enc(pick(packages, r).substring(0, 2)) + "&" + window(i));
        answers.put("packages/{name}", (r, i) -> api + "/api/v1/packages/" + enc(pick(packages, r)) + "?" + window(i));
        answers.put("packages/{name}/users", (r, i) -> api + "/api/v1/packages/" + enc(pick(packages, r)) + "/users?" + window(i));
        answers.put("packages/{name}/trend", (r, i) -> api + "/api/v1/packages/" + enc(pick(packages, r)) + "/trend?interval=week&" + window(i));
        System.out.printf("%-30s %15s %15s %9s %7s%n", "usage=imported beside installed", "installed p95", "imported p95", "ratio", "errors");
        for (Map.Entry<String, java.util.function.BiFunction<Random, Integer, String>> answer : answers.entrySet()) {
            Random installedDraws = new Random(31);
            Random importedDraws = new Random(31);
            double[] installed = timed(REQUESTS, i -> answer.getValue().apply(installedDraws, i), http, token);
            double[] imported = timed(REQUESTS, i -> answer.getValue().apply(importedDraws, i) + "&usage=imported", http, token);
            System.out.printf("%-30s %15.1f %15.1f %9.2f %7.0f%n", answer.getKey(), percentile(installed, 95), percentile(imported, 95),
                    percentile(imported, 95) / percentile(installed, 95), installed[REQUESTS] + imported[REQUESTS]);
        }
    }

    /** Each endpoint's i-th request, its package, user or host drawn with {@code random}. */
    private static Map<String, IntFunction<String>> endpoints(String api, Map<String, List<String>> values, Random random) {
        List<String> packages = values.get("package");
        List<String> users = values.get("user");
        List<String> hosts = values.get("host");
        List<String> bases = values.get("base");
        Map<String, IntFunction<String>> endpoints = new LinkedHashMap<>();
        endpoints.put("packages?prefix= (1 letter)", i -> api + "/api/v1/packages?prefix=" + enc(pick(packages, random).substring(0, 1)) + "&" + window(i));
        endpoints.put("packages?prefix= (2 letters)", i -> api + "/api/v1/packages?prefix=" + enc(pick(packages, random).substring(0, 2)) + "&" + window(i));
        endpoints.put("packages/{name}", i -> api + "/api/v1/packages/" + enc(pick(packages, random)) + "?" + window(i));
        endpoints.put("packages/{name}/users", i -> api + "/api/v1/packages/" + enc(pick(packages, random)) + "/users?" + window(i));
        endpoints.put("packages/{name}/trend", i -> api + "/api/v1/packages/" + enc(pick(packages, random)) + "/trend?interval=week&" + window(i));
        endpoints.put("users/{user}", i -> api + "/api/v1/users/" + enc(pick(users, random)) + "?" + window(i));
        endpoints.put("hosts/{host}", i -> api + "/api/v1/hosts/" + enc(pick(hosts, random)) + "?" + window(i));
        endpoints.put("trends/starts", i -> api + "/api/v1/trends/starts?interval=" + (i % 2 == 0 ? "day" : "week") + "&by="
                + (i % 3 == 0 ? "python" : "base") + "&" + window(i));
        endpoints.put("bases", i -> api + "/api/v1/bases?" + window(i));
        endpoints.put("reports/deprecation", i -> api + "/api/v1/reports/deprecation?base=" + enc(bases.get(i % (bases.size() - 1)))
                + "&target=" + enc(bases.get(bases.size() - 1)) + "&limit=1000&" + window(i));
        return endpoints;
    }

    /**
     * {@link #CLIENTS} clients at once, each with its own token, each sending {@link #CLIENT_ROUNDS}
     * rounds of the mixed requests (every endpoint once a round, starting at a different one): the
     * requests per second of all of them, and each endpoint's p95 under that load.
     */
    private static void concurrently(String api, Map<String, List<String>> values, List<String> tokens, double baselineP95) throws Exception {
        Map<String, List<Double>> byEndpoint = new ConcurrentHashMap<>();
        AtomicInteger errors = new AtomicInteger();
        ExecutorService clients = Executors.newFixedThreadPool(tokens.size());
        List<Future<?>> running = new ArrayList<>();
        long begin = System.nanoTime();
        for (int c = 0; c < tokens.size(); c++) {
            int client = c;
            running.add(clients.submit(() -> {
                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
                List<Map.Entry<String, IntFunction<String>>> endpoints = new ArrayList<>(endpoints(api, values, new Random(100 + client)).entrySet());
                for (int i = 0; i < CLIENT_ROUNDS * endpoints.size(); i++) {
                    Map.Entry<String, IntFunction<String>> endpoint = endpoints.get((i + client) % endpoints.size());
                    double[] one = timed(1, j -> endpoint.getValue().apply(client + j), http, tokens.get(client));
                    byEndpoint.computeIfAbsent(endpoint.getKey(), k -> Collections.synchronizedList(new ArrayList<>())).add(one[0]);
                    errors.addAndGet((int) one[1]);
                }
                return null;
            }));
        }
        for (Future<?> client : running) {
            client.get();
        }
        double seconds = (System.nanoTime() - begin) / 1e9;
        clients.shutdown();
        int requests = byEndpoint.values().stream().mapToInt(List::size).sum();
        say("%d clients at once, each with its own token: %,d requests in %.1f s, %.1f requests/s, %d errors",
                tokens.size(), requests, seconds, requests / seconds, errors.get());
        System.out.printf("%-30s %9s %9s %15s%n", "endpoint (" + tokens.size() + " clients)", "p50 ms", "p95 ms", "p95 / baseline");
        for (String endpoint : endpoints(api, values, new Random(7)).keySet()) {
            double[] times = byEndpoint.get(endpoint).stream().mapToDouble(Double::doubleValue).toArray();
            double[] withErrorSlot = Arrays.copyOf(times, times.length + 1);
            System.out.printf("%-30s %9.1f %9.1f %15.1f%n", endpoint, percentile(withErrorSlot, 50), percentile(withErrorSlot, 95),
                    percentile(withErrorSlot, 95) / baselineP95);
        }
    }

    /**
     * Every ClickHouse panel of the dashboards as Grafana sends it, straight to ClickHouse as the
     * reader would: {@link #PANEL_RUNS} times each, windows of 30 days to a year, packages and bases
     * drawn as for the endpoints.
     */
    private static void dashboardPanels(String clickHouse, Map<String, List<String>> values, HttpClient http, double baselineP95)
            throws Exception {
        Random random = new Random(5);
        int[] windowDays = {30, 84, 180, 365};
        System.out.printf("%-62s %9s %9s %15s %7s%n", "dashboard panel (ClickHouse)", "p50 ms", "p95 ms", "p95 / baseline", "errors");
        for (JsonNode dashboard : ClickHousePanels.dashboards(ClickHousePanels.locate())) {
            for (ClickHousePanels.Panel panel : ClickHousePanels.of(dashboard)) {
                double[] millis = timed(PANEL_RUNS, i -> {
                    Instant now = Instant.now();
                    GrafanaMacros macros = new GrafanaMacros(now.minus(Duration.ofDays(windowDays[i % windowDays.length])), now, 86_400,
                            Map.of("package", pick(values.get("package"), random), "base", values.get("base").get(i % values.get("base").size())));
                    return HttpRequest.newBuilder(URI.create(clickHouse + "&database=pyusage"))
                            .POST(HttpRequest.BodyPublishers.ofString(macros.expand(panel.rawSql()) + "\nFORMAT JSON"))
                            .timeout(REQUEST_TIMEOUT).build();
                }, http);
                System.out.printf("%-62s %9.1f %9.1f %15.1f %7.0f%n", panel.where(), percentile(millis, 50), percentile(millis, 95),
                        percentile(millis, 95) / baselineP95, millis[PANEL_RUNS]);
            }
        }
    }

    /** Times a GET of each URL, with the reader's {@code token} (none: null). */
    private static double[] timed(int count, IntFunction<String> urls, HttpClient http, String token) throws Exception {
        return timed(count, i -> {
            HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(urls.apply(i))).timeout(REQUEST_TIMEOUT);
            if (token != null) {
                builder.header("Authorization", "Bearer " + token);
            }
            return builder.build();
        }, http);
    }

    /** Times each request; the last slot counts the answers that were not 200 (e.g. 422 over a limit), printed as errors. */
    private static double[] timed(int count, IntFunction<HttpRequest> requests, HttpClient http) throws Exception {
        double[] millis = new double[count + 1];
        for (int i = 0; i < count; i++) {
            HttpRequest request = requests.apply(i);
            long begin = System.nanoTime();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            millis[i] = (System.nanoTime() - begin) / 1e6;
            if (response.statusCode() != 200) {
                millis[count]++;
                say("%s answered %d: %.200s", request.uri(), response.statusCode(), response.body());
            }
        }
        return millis;
    }

    /** The percentile of times timed as {@code timed(...)} returns them: the last slot counts errors and is left out. */
    static double percentile(double[] timed, int percent) {
        double[] sorted = Arrays.copyOf(timed, timed.length - 1);
        Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(percent / 100.0 * sorted.length) - 1)];
    }

    /** Popular values most often, as real lookups go, but the long tail too. */
    private static String pick(List<String> values, Random random) {
        int index = (int) Math.floor(Math.pow(random.nextDouble(), 3) * values.size());
        return values.get(index);
    }

    private static String window(int i) {
        return WINDOWS[i % WINDOWS.length];
    }

    private static String enc(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static List<String> column(List<JsonNode> rows, String name) {
        List<String> values = new ArrayList<>();
        rows.forEach(row -> values.add(row.get(name).asText()));
        return values;
    }
}
