package io.pyusage.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pyusage.common.TestDirectories;
import io.pyusage.common.clickhouse.ClickHouseConfig;
import io.pyusage.common.clickhouse.ClickHouseStore;
import io.pyusage.devstack.servers.EmbeddedClickHouse;
import io.pyusage.devstack.servers.MetricsText;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The gate against a real ClickHouse that stops answering (its process stopped with SIGSTOP, so
 * every query hangs, as on an overloaded server): one client's requests beyond its share wait or are
 * refused, another client still gets in, and a client that goes away frees its place at once.
 */
class QueryGateIT {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void oneClientCannotTakeEveryPlaceAndAClientThatLeavesFreesItsPlace() throws Exception {
        try (EmbeddedClickHouse server = EmbeddedClickHouse.onFreePorts(TestDirectories.underTarget("clickhouse-gate-")).start()) {
            ClickHouseConfig clickHouse = new ClickHouseConfig(URI.create(server.httpUrl()), "gate", "default", server.password(), Duration.ofSeconds(60));
            try (RunningQueryApi api = RunningQueryApi.start(clickHouse, Map.of("PYUSAGE_QUERY_CONCURRENT", "2",
                    "PYUSAGE_QUERY_CONCURRENT_PER_CLIENT", "1", "PYUSAGE_QUERY_WAITING_PER_CLIENT", "1"))) {
                try (ClickHouseStore store = new ClickHouseStore(clickHouse)) {
                    KnownStarts.loadInto(store);
                }
                signal(server, "STOP");
                try {
                    List<CompletableFuture<HttpResponse<String>>> flood = List.of(bases(api), bases(api), bases(api));
                    HttpResponse<String> refused = (HttpResponse<String>) CompletableFuture.anyOf(flood.toArray(CompletableFuture[]::new))
                            .get(60, TimeUnit.SECONDS);
                    assertEquals(429, refused.statusCode(), refused.body());
                    assertEquals("1", refused.headers().firstValue("Retry-After").orElse(""));
                    awaitGauge(api, "pyusage_query_requests_running", 1);
                    awaitGauge(api, "pyusage_query_requests_waiting", 1);

                    try (Socket other = new Socket()) {
                        other.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0));
                        other.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), URI.create(api.url()).getPort()));
                        other.getOutputStream().write("GET /api/v1/bases HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                        other.getOutputStream().flush();
                        awaitGauge(api, "pyusage_query_requests_running", 2);
                    }
                    awaitGauge(api, "pyusage_query_requests_running", 1);
                    assertEquals(1, metric(api, "pyusage_query_requests_abandoned_total"), "the other client left: its place is free at once");
                    assertEquals(1, metric(api, "pyusage_query_requests_refused_total"));
                } finally {
                    signal(server, "CONT");
                }
                awaitGauge(api, "pyusage_query_requests_running", 0);
                awaitGauge(api, "pyusage_query_requests_waiting", 0);
                try (ClickHouseStore store = new ClickHouseStore(clickHouse)) {
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                    long running;
                    do {
                        Thread.sleep(100);
                        running = store.query("SELECT count() AS n FROM system.processes WHERE query LIKE '%daily_starts%' "
                                + "AND query NOT LIKE '%system.processes%'").get(0).path("n").asLong();
                    } while (running > 0 && System.nanoTime() < deadline);
                    assertEquals(0, running, "no query of a gone client runs on");
                }
            }
        }
    }

    private static CompletableFuture<HttpResponse<String>> bases(RunningQueryApi api) {
        return HTTP.sendAsync(HttpRequest.newBuilder(URI.create(api.url() + "/api/v1/bases")).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void signal(EmbeddedClickHouse server, String signal) throws IOException, InterruptedException {
        assertEquals(0, new ProcessBuilder("kill", "-" + signal, String.valueOf(server.pid())).inheritIO().start().waitFor());
    }

    private static double metric(RunningQueryApi api, String name) throws IOException, InterruptedException {
        return MetricsText.sum(MetricsText.fetch(api.url(), name), name);
    }

    private static void awaitGauge(RunningQueryApi api, String name, double expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        double value = metric(api, name);
        while (value != expected && System.nanoTime() < deadline) {
            Thread.sleep(50);
            value = metric(api, name);
        }
        assertEquals(expected, value, name);
    }
}
