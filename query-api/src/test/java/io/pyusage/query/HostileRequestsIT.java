package io.pyusage.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.pyusage.common.TestClickHouse;
import io.pyusage.common.clickhouse.ClickHouseConfig;
import io.pyusage.common.clickhouse.ClickHouseStore;
import io.pyusage.common.record.StartupRecordCodec;
import io.pyusage.common.record.UserNames;
import io.pyusage.common.service.SecurityHeaders;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every endpoint fed hostile values in every parameter, as an attacker with a reader token would:
 * each answer is a 200, a 400 naming the parameter, or a 422; none quotes SQL or ClickHouse. Plus
 * pages that do not fit one query, bounded answers, browser headers and slow requests.
 */
class HostileRequestsIT {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    /** Path and the parameters it takes besides the filters and the page. */
    private static final Map<String, List<String>> ENDPOINTS = Map.of(
            "/api/v1/packages", List.of("prefix"),
            "/api/v1/packages/numpy", List.of(),
            "/api/v1/packages/numpy/users", List.of("version"),
            "/api/v1/packages/numpy/trend", List.of("interval"),
            "/api/v1/users/ann", List.of(),
            "/api/v1/hosts/h1", List.of(),
            "/api/v1/trends/starts", List.of("interval", "by"),
            "/api/v1/reports/deprecation?base=2020.11&target=2023.06", List.of("packages_limit", "packages_offset"),
            "/api/v1/bases", List.of());
    private static final List<String> COMMON = List.of("since", "until", "base", "python", "host", "user", "ci", "limit", "offset", "format");
    private static final List<String> HOSTILE = List.of("+999999999-12-31", "-0001-01-01", "0000-01-01", "9999w", "2026-02-30", "1e9",
            "-1", "99999999999999999999", "'; DROP TABLE starts; --", "\u202Eadmin", "x".repeat(5_000), "\u0000", "%s %n {p:String}", "");
    private static final List<String> LEAKS = List.of("select", "from starts", "code:", "db::exception", "clickhouse", "exception", "\tat ");

    private static ClickHouseConfig clickHouse;
    private static RunningQueryApi api;

    @BeforeAll
    static void start() throws Exception {
        clickHouse = TestClickHouse.freshDatabase("hostile");
        api = RunningQueryApi.start(clickHouse, Map.of());
        try (ClickHouseStore store = new ClickHouseStore(clickHouse)) {
            KnownStarts.loadInto(store, UserNames.AS_GIVEN);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        api.close();
    }

    @Test
    void everyParameterOfEveryEndpointAnswersTheRightThingOrA400NamingItAndNothingLeaks() throws Exception {
        int requests = 0;
        for (Map.Entry<String, List<String>> endpoint : ENDPOINTS.entrySet()) {
            List<String> parameters = new ArrayList<>(COMMON);
            parameters.addAll(endpoint.getValue());
            for (String parameter : parameters) {
                for (String value : HOSTILE) {
                    String url = api.url() + endpoint.getKey() + (endpoint.getKey().contains("?") ? "&" : "?") + parameter + "="
                            + URLEncoder.encode(value, StandardCharsets.UTF_8);
                    HttpResponse<String> answer = get(url);
                    requests++;
                    String what = endpoint.getKey() + " " + parameter + "=" + abbreviated(value) + ": " + abbreviated(answer.body());
                    // 414: Vert.x refuses a request line over 4 KiB before any handler sees it.
                    assertTrue(List.of(200, 400, 414, 422).contains(answer.statusCode()), answer.statusCode() + " " + what);
                    if (answer.statusCode() == 400) {
                        assertEquals(parameter, json(answer).path("parameter").asText(), what);
                    }
                    String lower = answer.body().toLowerCase(Locale.ROOT);
                    for (String leak : LEAKS) {
                        assertFalse(lower.contains(leak), "leaks '" + leak + "': " + what);
                    }
                }
            }
        }
        assertTrue(requests > 1_300, "every endpoint, parameter and value: " + requests);
        HttpResponse<String> farFuture = get(api.url() + "/api/v1/bases?until=%2B999999999-12-31");
        assertEquals("until", json(farFuture).path("parameter").asText());
        assertTrue(farFuture.body().contains("1970-01-01 to 2105-12-31"), farFuture.body());
        assertEquals(200, get(api.url() + "/api/v1/bases?since=9999w").statusCode(), "a relative window reaching before 1970 starts at 1970");
        assertEquals(200, get(api.url() + "/api/v1/bases?since=1970-01-01&until=2105-12-31").statusCode(), "the bounds themselves");
    }

    @Test
    void aPageOfUsersWithLongNamesIsAnsweredWholeAndEveryCellIsBounded() throws Exception {
        ClickHouseConfig own = TestClickHouse.freshDatabase("long_names");
        try (RunningQueryApi longNames = RunningQueryApi.start(own, Map.of()); ClickHouseStore store = new ClickHouseStore(own)) {
            StringBuilder starts = new StringBuilder();
            for (int i = 0; i < 1_200; i++) {
                // 250 characters of three bytes each: the page's names alone are 900 KB of SQL literals.
                starts.append(KnownStarts.start(KnownStarts.RECENT, String.format("%04d", i) + "\u4e2d".repeat(246), "h1", "2020.11", 1, false));
            }
            for (int host = 0; host < 80; host++) {
                starts.append(KnownStarts.start(KnownStarts.RECENT, "heavy", "host-" + host, "2020.11", 1, false));
            }
            store.insertJsonEachRow("environment_packages",
                    "{\"env_id\":1,\"name\":\"numpy\",\"version\":\"1.26.4\",\"first_seen\":\"2026-01-01\"}\n".getBytes(StandardCharsets.UTF_8));
            store.insertJsonEachRow("starts", starts.toString().getBytes(StandardCharsets.UTF_8));

            HttpResponse<String> page = get(longNames.url() + "/api/v1/packages/numpy/users?limit=1300");
            assertEquals(200, page.statusCode(), abbreviated(page.body()));
            JsonNode rows = new com.fasterxml.jackson.databind.ObjectMapper().readTree(page.body()).path("rows");
            assertEquals(1_201, rows.size());
            assertTrue(rows.findValues("hosts").stream().allMatch(hosts -> hosts.asInt() >= 1), "every user's hosts were detailed");

            JsonNode heavy = json(get(longNames.url() + "/api/v1/users/heavy"));
            JsonNode environment = heavy.path("rows").get(0);
            assertEquals(SubjectQueries.NAMES_PER_CELL, environment.path("hosts").size(), "a cell lists a bounded number of names...");
            assertEquals(80, environment.path("hosts_count").asInt(), "...and counts them all");
        }
    }

    @Test
    void theReportsPackagesArePagedWithTheirTotals() throws Exception {
        String report = api.url() + "/api/v1/reports/deprecation?base=2020.11&target=2023.06";
        JsonNode all = json(get(report));
        long total = all.path("packages_total").asLong();
        assertTrue(total >= 2, all.toString());
        JsonNode first = json(get(report + "&packages_limit=1"));
        assertEquals(1, first.path("packages").size());
        assertEquals(total, first.path("packages_total").asLong());
        assertEquals(all.path("packages_not_ready").asLong(), first.path("packages_not_ready").asLong());
        JsonNode second = json(get(report + "&packages_limit=1&packages_offset=1"));
        assertEquals(all.path("packages").get(1), second.path("packages").get(0), "the second page is the list's second row");
    }

    @Test
    void pagesAndDataCarryTheBrowserHeadersAndDataIsNeverCached() throws Exception {
        for (String path : List.of("/api/v1/bases", "/api/v1/bases?format=csv", "/metrics", "/openapi.yaml", "/api/v1/bases?since=bad")) {
            HttpResponse<String> answer = get(api.url() + path);
            assertEquals(SecurityHeaders.DATA_POLICY, answer.headers().firstValue("Content-Security-Policy").orElse(""), path);
            assertEquals("nosniff", answer.headers().firstValue("X-Content-Type-Options").orElse(""), path);
            assertEquals("DENY", answer.headers().firstValue("X-Frame-Options").orElse(""), path);
            assertEquals("no-store", answer.headers().firstValue("Cache-Control").orElse(""), path);
        }
        HttpResponse<String> ui = get(api.url() + "/ui/");
        assertEquals(200, ui.statusCode());
        assertEquals(SecurityHeaders.PAGES_POLICY, ui.headers().firstValue("Content-Security-Policy").orElse(""));
        HttpResponse<String> printable = get(api.url() + "/reports/deprecation?base=2020.11&target=2023.06");
        assertEquals(200, printable.statusCode());
        assertEquals(DeprecationPage.POLICY, printable.headers().firstValue("Content-Security-Policy").orElse(""));
        assertFalse(printable.body().contains("<script"), "the printable page runs nothing");
    }

    @Test
    void aRequestWhoseHeadersTrickleInIsCutAtItsDeadline() throws Exception {
        byte[] request = "GET /api/v1/bases HTTP/1.1\r\nHost: x\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII);
        int port = URI.create(api.url()).getPort();
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            AtomicInteger sent = new AtomicInteger();
            Thread trickler = new Thread(() -> {
                try {
                    for (byte b : request) {
                        socket.getOutputStream().write(b);
                        socket.getOutputStream().flush();
                        sent.incrementAndGet();
                        Thread.sleep(250); // 25 s for the whole request: far past the 10 s deadline, never idle
                    }
                } catch (java.io.IOException | InterruptedException closed) {
                    // the server closed the connection
                }
            });
            trickler.start();
            socket.setSoTimeout(120_000);
            byte[] answer = socket.getInputStream().readAllBytes();
            assertEquals("", new String(answer, StandardCharsets.US_ASCII), "closed without an answer");
            trickler.interrupt();
            trickler.join();
            assertTrue(sent.get() < request.length, "before the request had arrived: " + sent.get() + " of " + request.length);
        }
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        return StartupRecordCodec.mapper().readTree(response.body());
    }

    private static String abbreviated(String text) {
        return text.length() > 200 ? text.substring(0, 200) + "..." : text;
    }
}
