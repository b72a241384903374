package io.pyusage.bench;

import static io.pyusage.bench.CollectorBenchmark.say;
import static io.pyusage.bench.QueryBenchmark.percentile;

import io.pyusage.common.clickhouse.ClickHouseConfig;
import io.pyusage.common.clickhouse.ClickHouseStore;
import io.pyusage.common.config.Env;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * A cheap lookup's latency while one reader floods the query API with heavy requests, on synthetic
 * starts in ClickHouse 18.16: unloaded; under the flood with the gate as configured by default; and
 * under the same flood with the gate opened wide (what the API did before it had one). The floor is
 * the lookup beside a single heavy query: what any admitted heavy request costs the others on this
 * machine. Not a test: {@code ./pyusage bench flood} ({@code -Dbench.days=N},
 * {@code -Dbench.requests=N}, {@code -Dbench.flooders=N}, {@code -Dbench.floodSeconds=N}).
 */
public final class QueryFlood {

    private static final int DAYS = Integer.getInteger("bench.days", 90);
    private static final int REQUESTS = Integer.getInteger("bench.requests", 60);
    private static final int FLOODERS = Integer.getInteger("bench.flooders", 32);
    /** Lookups under a flood stop after this long however few were answered: without the gate each can take the query limit. */
    private static final Duration FLOOD_LOOKUPS = Duration.ofSeconds(Integer.getInteger("bench.floodSeconds", 90));
    private static final String FLOOD_TOKEN = "flood-token-0123456789abcdef";
    private static final String READER_TOKEN = "reader-token-0123456789abcdef";
    private static final String HEAVY = "/api/v1/packages?prefix=&since=9999w&limit=10000";

    private QueryFlood() {
    }

    public static void main(String[] args) throws Exception {
        try (WorkDirectory dir = WorkDirectory.create("flood");
             EmbeddedClickHouse server = EmbeddedClickHouse.onFreePorts(dir.resolve("clickhouse")).start()) {
            ClickHouseConfig config = BenchDatabases.migrated(server, "pyusage");
            List<String> hosts;
            try (ClickHouseStore store = new ClickHouseStore(config)) {
                BulkLoader loader = BulkLoader.loadDays(store, DAYS);
                say("loaded %,d starts (%d days)", loader.loaded(), DAYS);
                BenchDatabases.awaitMerges(store, Duration.ofMinutes(5));
                hosts = new ArrayList<>();
                store.query("SELECT host FROM starts GROUP BY host ORDER BY count() DESC LIMIT 200").forEach(row -> hosts.add(row.get("host").asText()));
            }
            Map<String, String> wideOpen = Map.of("PYUSAGE_QUERY_CONCURRENT", "1000", "PYUSAGE_QUERY_CONCURRENT_PER_CLIENT", "1000",
                    "PYUSAGE_QUERY_WAITING_PER_CLIENT", "10000");
            try (Api gated = Api.start(server, Map.of()); Api open = Api.start(server, wideOpen)) {
                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
                lookups(gated, hosts, http, 20, null); // warm-up
                lookups(open, hosts, http, 20, null);
                double[] unloaded = lookups(gated, hosts, http, REQUESTS, null);
                double[] floor = flooded(open, hosts, http, 1);
                double[] withGate = flooded(gated, hosts, http, FLOODERS);
                double[] withoutGate = flooded(open, hosts, http, FLOODERS);
                System.out.printf("%-44s %9s %9s %14s%n", "cheap lookup (hosts/{host}?since=7d)", "p50 ms", "p95 ms", "p50 / unloaded");
                row("unloaded", unloaded, unloaded);
                row("floor: beside one heavy request", floor, unloaded);
                row(FLOODERS + " heavy at once, one token, gated (default)", withGate, unloaded);
                row(FLOODERS + " heavy at once, one token, gate open", withoutGate, unloaded);
            }
        }
    }

    private static void row(String name, double[] times, double[] unloaded) {
        System.out.printf("%-44s %9.1f %9.1f %14.1f%n", name, percentile(times, 50), percentile(times, 95),
                percentile(times, 50) / percentile(unloaded, 50));
    }

    /** The lookups' times while {@code flooders} threads send the heavy request with the flood token, each as soon as its last is answered. */
    private static double[] flooded(Api api, List<String> hosts, HttpClient http, int flooders) throws Exception {
        AtomicBoolean flooding = new AtomicBoolean(true);
        Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < flooders; i++) {
            Thread thread = new Thread(() -> {
                while (flooding.get()) {
                    try {
                        int status = http.send(HttpRequest.newBuilder(URI.create(api.url() + HEAVY)).header("Authorization", "Bearer " + FLOOD_TOKEN)
                                .timeout(Duration.ofSeconds(120)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
                        statuses.computeIfAbsent(status, s -> new LongAdder()).increment();
                        if (status == 429) {
                            Thread.sleep(100); // what its Retry-After asks, less: a flooder does not wait long
                        }
                    } catch (Exception e) {
                        statuses.computeIfAbsent(-1, s -> new LongAdder()).increment();
                    }
                }
            });
            thread.start();
            threads.add(thread);
        }
        Thread.sleep(3_000);
        double[] times = lookups(api, hosts, http, REQUESTS, FLOOD_LOOKUPS);
        flooding.set(false);
        for (Thread thread : threads) {
            thread.join(180_000);
        }
        Map<Integer, Long> counted = new HashMap<>();
        statuses.forEach((status, count) -> counted.put(status, count.sum()));
        say("%d flooders on the %s API: heavy answers by status %s", flooders, api.name(), counted);
        return times;
    }

    /**
     * {@code count} lookups of hosts' last week with the reader's token, one after another, or as many
     * as {@code within} allows (null: no limit); the last slot counts answers that were not 200.
     */
    private static double[] lookups(Api api, List<String> hosts, HttpClient http, int count, Duration within) throws Exception {
        long end = within == null ? Long.MAX_VALUE : System.nanoTime() + within.toNanos();
        double[] millis = new double[count + 1];
        int done = 0;
        for (int i = 0; i < count && System.nanoTime() < end; i++, done++) {
            String url = api.url() + "/api/v1/hosts/" + URLEncoder.encode(hosts.get(i % hosts.size()), StandardCharsets.UTF_8) + "?since=7d";
            long begin = System.nanoTime();
            int status = http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + READER_TOKEN).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
            millis[i] = (System.nanoTime() - begin) / 1e6;
            if (status != 200) {
                millis[count]++;
            }
        }
        if (millis[count] > 0 || done < count) {
            say("%s API: %d of %d lookups done in time, %.0f of them not answered 200", api.name(), done, count, millis[count]);
        }
        double[] answered = Arrays.copyOf(millis, done + 1);
        answered[done] = millis[count];
        return answered;
    }

    /** A query API in this process over the benchmark's database, with the two readers' tokens. */
    private record Api(String name, String url, QueryApiService service, Vertx vertx) implements AutoCloseable {

        static Api start(EmbeddedClickHouse server, Map<String, String> gate) throws Exception {
            int port = FreePorts.next();
            Map<String, String> env = new HashMap<>(gate);
            env.putAll(Map.of("PYUSAGE_QUERY_HOST", "127.0.0.1", "PYUSAGE_QUERY_HTTP_PORT", String.valueOf(port),
                    "PYUSAGE_CLICKHOUSE_URL", server.httpUrl(), "PYUSAGE_CLICKHOUSE_DATABASE", "pyusage",
                    "PYUSAGE_CLICKHOUSE_PASSWORD", server.password(),
                    "PYUSAGE_QUERY_TOKENS", FLOOD_TOKEN + "=reader," + READER_TOKEN + "=reader"));
            Vertx vertx = Vertx.vertx();
            QueryApiService service = new QueryApiService(QueryApiConfig.from(new Env(env)));
            service.start(vertx).await(60, TimeUnit.SECONDS);
            return new Api(gate.isEmpty() ? "gated" : "wide-open", "http://127.0.0.1:" + port, service, vertx);
        }

        @Override
        public void close() throws Exception {
            service.stop().await(30, TimeUnit.SECONDS);
            vertx.close().await(30, TimeUnit.SECONDS);
        }
    }
}
