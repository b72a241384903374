package io.pyusage.devstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.pyusage.common.TestDirectories;
import io.pyusage.common.clickhouse.ClickHouseConfig;
import io.pyusage.common.clickhouse.ClickHouseStore;
import io.pyusage.common.record.EnvironmentFingerprint;
import io.pyusage.common.record.InstalledPackage;
import io.pyusage.devstack.servers.EmbeddedClickHouse;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Real python3 processes with the installed hook, through collector, Kafka, aggregator and ClickHouse, to the query API. */
class EndToEndIT {

    @Test
    void realPythonStartsAreFoundThroughTheQueryApi() throws Exception {
        DevStack stack = TestStack.get();
        Path root = TestDirectories.underTarget("demo-");
        DemoEnvironments demo = new DemoEnvironments(root, DemoEnvironments.defaultPython(), DemoEnvironments.hookSource());
        demo.create(stack.collectorUdpEndpoint(), "e2e");
        // Other tests share the stack: count what this test adds.
        String numpy = stack.queryApiUrl() + "/api/v1/packages/numpy/users";
        String flaskUrl = stack.queryApiUrl() + "/api/v1/packages/Flask/users";
        long numpyBefore = DemoCheck.starts(TestStack.json(TestStack.get(numpy)));
        long flaskBefore = DemoCheck.starts(TestStack.json(TestStack.get(flaskUrl)));
        int starts = demo.runStarts(2);

        JsonNode answer = TestStack.awaitJson(numpy, Duration.ofSeconds(30), a -> DemoCheck.starts(a) >= numpyBefore + starts);
        assertEquals(numpyBefore + starts, DemoCheck.starts(answer), answer.toString());
        Set<String> versions = new TreeSet<>();
        answer.path("rows").forEach(u -> u.path("versions").forEach(v -> versions.add(v.asText())));
        assertEquals(Set.of("1.26.4", "2.1.0"), versions, "numpy of both environments");

        // A package only one environment has is found only in that environment's starts.
        JsonNode flask = TestStack.awaitJson(flaskUrl, Duration.ofSeconds(10), a -> DemoCheck.starts(a) >= flaskBefore + starts / 2);
        assertEquals(flaskBefore + starts / 2, DemoCheck.starts(flask));
        assertEquals("3.0.3", flask.path("rows").get(0).path("versions").get(0).asText());

        // The other lists, a page and its total, CSV, and a refused parameter, over HTTP.
        String api = stack.queryApiUrl() + "/api/v1";
        JsonNode numpyVersions = TestStack.json(TestStack.get(api + "/packages/numpy"));
        assertEquals(Set.of("1.26.4", "2.1.0"), texts(numpyVersions.path("rows"), "version"));
        JsonNode search = TestStack.json(TestStack.get(api + "/packages?prefix=fla"));
        assertEquals(Set.of("flask"), texts(search.path("rows"), "name"));
        JsonNode firstPage = TestStack.json(TestStack.get(api + "/packages?limit=1"));
        assertEquals(1, firstPage.path("rows").size());
        assertTrue(firstPage.path("total").asInt() > 1, firstPage.toString());
        JsonNode bases = TestStack.json(TestStack.get(api + "/bases"));
        assertTrue(bases.path("rows").size() >= 1 && bases.path("daily").size() >= 1, bases.toString());
        HttpResponse<String> csv = TestStack.get(api + "/packages/flask/users?format=csv");
        assertEquals(200, csv.statusCode());
        assertTrue(csv.headers().firstValue("Content-Type").orElse("").startsWith("text/csv"));
        assertTrue(csv.body().startsWith("user,hosts,versions,versions_count,environments,environments_count,bases,bases_count,starts,last_seen\r\n"),
                csv.body());
        JsonNode someone = answer.path("rows").get(0);
        String user = URLEncoder.encode(someone.path("user").asText(), StandardCharsets.UTF_8);
        assertTrue(someone.path("hosts").asInt() >= 1, someone.toString());
        JsonNode userPage = TestStack.json(TestStack.get(api + "/users/" + user));
        assertTrue(userPage.path("rows").size() >= 1 && texts(userPage.path("packages"), "name").contains("numpy"), userPage.toString());
        String host = URLEncoder.encode(userPage.path("rows").get(0).path("hosts").get(0).asText(), StandardCharsets.UTF_8);
        assertTrue(TestStack.json(TestStack.get(api + "/hosts/" + host)).path("rows").size() >= 1);
        assertTrue(TestStack.json(TestStack.get(api + "/trends/starts?interval=week&by=python")).path("rows").size() >= 1);
        assertTrue(TestStack.json(TestStack.get(api + "/packages/numpy/trend")).path("rows").size() >= 1);
        String base = URLEncoder.encode(bases.path("rows").get(0).path("base").asText(), StandardCharsets.UTF_8);
        JsonNode report = TestStack.json(TestStack.get(api + "/reports/deprecation?base=" + base + "&target=no-such-base"));
        assertTrue(report.path("rows").size() >= 1, report.toString());
        assertTrue(report.path("packages").size() >= 1 && report.path("packages").get(0).path("ready").asInt() == 0, report.toString());
        HttpResponse<String> page = TestStack.get(stack.queryApiUrl() + "/reports/deprecation?base=" + base + "&target=no-such-base");
        assertEquals(200, page.statusCode());
        assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html") && page.body().contains("<h1>Removing base"));
        assertEquals(400, TestStack.get(stack.queryApiUrl() + "/reports/deprecation?base=" + base).statusCode());
        // Without the token: 401 that offers both ways to give it; with it as a browser's Basic password: the page.
        HttpResponse<String> anonymous = TestStack.HTTP.send(HttpRequest.newBuilder(URI.create(api + "/bases")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(401, anonymous.statusCode());
        assertTrue(anonymous.headers().firstValue("WWW-Authenticate").orElse("").contains("Basic"), anonymous.headers().toString());
        String basic = "Basic " + Base64.getEncoder().encodeToString(("engineer:" + stack.apiToken()).getBytes(StandardCharsets.UTF_8));
        assertEquals(200, TestStack.HTTP.send(HttpRequest.newBuilder(URI.create(stack.queryApiUrl() + "/reports/deprecation?base="
                + base + "&target=x")).header("Authorization", basic).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
        assertEquals(200, TestStack.HTTP.send(HttpRequest.newBuilder(URI.create(stack.queryApiUrl() + "/health")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode(), "health stays open");
        HttpResponse<String> badFormat = TestStack.get(api + "/bases?format=xml");
        assertEquals(400, badFormat.statusCode());
        assertEquals("format", TestStack.json(badFormat).path("parameter").asText());
    }

    @Test
    void whatARealProcessImportedIsStoredWithItsImportedSet() throws Exception {
        DevStack stack = TestStack.get();
        Path root = TestDirectories.underTarget("imports-");
        DemoEnvironments demo = new DemoEnvironments(root, DemoEnvironments.defaultPython(), DemoEnvironments.hookSource());
        demo.create(stack.collectorUdpEndpoint(), "e2e-imports");
        demo.runImporting(DemoEnvironments.ENVIRONMENTS.get(0), List.of("pandas", "numpy", "json"));
        demo.runStarts(1);
        long pandasAndNumpy = EnvironmentFingerprint.of(List.of(new InstalledPackage("numpy", "1.26.4"), new InstalledPackage("pandas", "2.2.2")));
        EmbeddedClickHouse server = stack.clickHouse();
        try (ClickHouseStore store = new ClickHouseStore(new ClickHouseConfig(URI.create(server.httpUrl()), DevStack.DATABASE, "default",
                server.password(), Duration.ofSeconds(30)))) {
            String rows = "SELECT imports_id, import_count FROM start_imports WHERE base = 'e2e-imports' ORDER BY import_count";
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            List<JsonNode> imports = store.query(rows);
            while (imports.size() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(300);
                imports = store.query(rows);
            }
            // The importing process, and the one `python -c pass` of each environment (nothing imported).
            assertEquals(List.of(0, 0, 2), imports.stream().map(row -> row.get("import_count").asInt()).toList(), imports.toString());
            assertEquals(Long.toUnsignedString(pandasAndNumpy), imports.get(2).get("imports_id").asText());
            assertEquals(List.of("numpy 1.26.4", "pandas 2.2.2"), store.query("SELECT concat(name, ' ', version) AS p FROM import_set_packages "
                    + "FINAL WHERE imports_id = " + Long.toUnsignedString(pandasAndNumpy) + " ORDER BY name").stream()
                    .map(row -> row.get("p").asText()).toList());
        }
    }

    private static Set<String> texts(JsonNode rows, String field) {
        Set<String> values = new TreeSet<>();
        rows.forEach(row -> values.add(row.path(field).asText()));
        return values;
    }

    @Test
    void aStartWithTheEndpointFromTheEnvironmentShowsUpWithinTenSeconds() throws Exception {
        DevStack stack = TestStack.get();
        Path root = TestDirectories.underTarget("env-endpoint-");
        DemoEnvironments demo = new DemoEnvironments(root, DemoEnvironments.defaultPython(), DemoEnvironments.hookSource());
        // Installed pointing nowhere useful: only PYUSAGE_ENDPOINT can make this start arrive.
        demo.create("udp://127.0.0.1:9", "env-endpoint");
        Path venv = demo.venv(DemoEnvironments.ENVIRONMENTS.get(1));
        String requests = stack.queryApiUrl() + "/api/v1/packages/requests/users";
        long before = DemoCheck.starts(TestStack.json(TestStack.get(requests)));

        List<String> command = new ArrayList<>(List.of(DemoEnvironments.pythonIn(venv), "-c", "pass"));
        ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
        builder.environment().put("PYUSAGE_ENDPOINT", stack.collectorUdpEndpoint());
        assertEquals(0, builder.start().waitFor());

        JsonNode answer = TestStack.awaitJson(requests, Duration.ofSeconds(10), a -> DemoCheck.starts(a) > before);
        assertEquals(before + 1, DemoCheck.starts(answer), "not visible within 10 s: " + answer);
    }
}
