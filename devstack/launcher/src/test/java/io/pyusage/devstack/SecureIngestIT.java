package io.pyusage.devstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pyusage.common.TestCertificates;
import io.pyusage.common.TestDirectories;
import io.pyusage.devstack.servers.MetricsText;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The embedded default with the collector's token required and TLS on the collector's HTTP
 * listener and the query API: real python3 starts with the hook send over UDP and HTTPS, those
 * with the token arrive, those without are refused and counted, and everything is read back over HTTPS.
 */
class SecureIngestIT {

    private static final String TOKEN = "secure-ingest-token-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static DevStack stack;
    private static TestCertificates certificates;
    private static HttpClient https;
    private static DemoEnvironments demo;

    @BeforeAll
    static void start() throws Exception {
        Path dir = TestDirectories.underTarget("secure-ingest-");
        certificates = TestCertificates.create(dir.resolve("tls"));
        https = certificates.trustingClient();
        stack = DevStack.start(dir.resolve("var"), DevStackPorts.free(), Map.of(
                "PYUSAGE_COLLECTOR_TOKEN", TOKEN,
                "PYUSAGE_COLLECTOR_TLS_CERT", certificates.certificate().toString(),
                "PYUSAGE_COLLECTOR_TLS_KEY", certificates.privateKey().toString(),
                "PYUSAGE_QUERY_TLS_CERT", certificates.certificate().toString(),
                "PYUSAGE_QUERY_TLS_KEY", certificates.privateKey().toString()));
        demo = new DemoEnvironments(dir.resolve("demo"), DemoEnvironments.defaultPython(), DemoEnvironments.hookSource());
        // Installed pointing nowhere: each start below names its endpoint, token and CA in its environment.
        demo.create("udp://127.0.0.1:9", "secure");
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void startsWithTheTokenArriveOverUdpAndHttpsAndTheOthersAreRefusedAndCounted() throws Exception {
        String metrics = stack.collectorHttpUrl() + "/metrics";
        // The other test's refused post counts too: count what this one adds.
        double udpBefore = dropped(get(metrics).body(), "udp", "unauthorized");
        double httpBefore = dropped(get(metrics).body(), "http", "unauthorized");
        String https = stack.collectorHttpUrl() + "/v1/startups";
        String ca = certificates.certificate().toString();
        pythonStart(Map.of("PYUSAGE_ENDPOINT", stack.collectorUdpEndpoint(), "PYUSAGE_TOKEN", TOKEN));
        pythonStart(Map.of("PYUSAGE_ENDPOINT", https, "PYUSAGE_TOKEN", TOKEN, "PYUSAGE_CA_FILE", ca));
        pythonStart(Map.of("PYUSAGE_ENDPOINT", stack.collectorUdpEndpoint(), "PYUSAGE_TOKEN", "not-the-token-0123456789"));
        pythonStart(Map.of("PYUSAGE_ENDPOINT", stack.collectorUdpEndpoint()));
        pythonStart(Map.of("PYUSAGE_ENDPOINT", https, "PYUSAGE_TOKEN", "not-the-token-0123456789", "PYUSAGE_CA_FILE", ca));

        // Each process sends two records: its start, and at its exit what it imported.
        awaitMetric(metrics, "udp", udpBefore + 4);
        awaitMetric(metrics, "http", httpBefore + 2);
        assertEquals(udpBefore + 4, dropped(get(metrics).body(), "udp", "unauthorized"), "the datagrams without the token");
        assertEquals(httpBefore + 2, dropped(get(metrics).body(), "http", "unauthorized"), "the posts with a wrong token");

        // Read back over HTTPS: only the two starts with the token are stored (the three others are
        // counted as refused above, so none of them can still arrive).
        String flask = stack.queryApiUrl() + "/api/v1/packages/flask/users";
        JsonNode answer = awaitStarts(flask, 2);
        assertEquals(2, DemoCheck.starts(answer), answer.toString());
    }

    @Test
    void theServersSpeakOnlyTlsAndTheCollectorStillWantsItsToken() throws Exception {
        HttpResponse<String> noToken = https.send(HttpRequest.newBuilder(URI.create(stack.collectorHttpUrl() + "/v1/startups"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, noToken.statusCode(), noToken.body());
        String plainQuery = stack.queryApiUrl().replace("https://", "http://") + "/health";
        HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        assertThrows(IOException.class, () -> plain.send(HttpRequest.newBuilder(URI.create(plainQuery))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()));
        assertEquals(200, get(stack.queryApiUrl() + "/health").statusCode());
    }

    private static void pythonStart(Map<String, String> environment) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(List.of(DemoEnvironments.pythonIn(demo.venv(DemoEnvironments.ENVIRONMENTS.get(1))),
                "-c", "pass")).redirectErrorStream(true);
        builder.environment().keySet().removeIf(k -> k.startsWith("PYUSAGE_"));
        builder.environment().putAll(environment);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes());
        assertEquals(0, process.waitFor(), output);
        assertEquals("", output, "the hook prints nothing, whatever the collector answers");
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return https.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + stack.apiToken())
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode awaitStarts(String url, long expected) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        JsonNode answer = JSON.readTree(get(url).body());
        while (DemoCheck.starts(answer) < expected && System.nanoTime() < deadline) {
            Thread.sleep(200);
            answer = JSON.readTree(get(url).body());
        }
        return answer;
    }

    private static void awaitMetric(String url, String transport, double expected) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (dropped(get(url).body(), transport, "unauthorized") < expected && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
    }

    private static double dropped(String metrics, String transport, String reason) {
        return MetricsText.sum(metrics, "pyusage_collector_dropped_total", "transport=\"" + transport + "\"", "reason=\"" + reason + "\"");
    }
}
