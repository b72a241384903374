package io.pyusage.devstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.pyusage.aggregator.RowMapper;
import io.pyusage.aggregator.TableLayout;
import io.pyusage.common.CurrentClickHouse;
import io.pyusage.common.TestRecords;
import io.pyusage.common.clickhouse.SchemaMigrations;
import io.pyusage.common.record.DecodeResult;
import io.pyusage.common.record.StartupRecord;
import io.pyusage.common.record.StartupRecordCodec;
import io.pyusage.common.record.UserNames;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dashboards against the running system: every ClickHouse panel's SQL, expanded as the plugin
 * expands it, runs on the real ClickHouse and returns what its panel needs; every metric a
 * Prometheus panel reads is in some service's /metrics.
 */
class DashboardsIT {

    private static final String PACKAGE = "dash-numpy";
    private static final String BASE = "2020.11";
    private static DevStack stack;

    private static final List<Map<String, Object>> RECORDS = testRecords();

    @BeforeAll
    static void loadTestData() throws Exception {
        stack = TestStack.get();
        StringBuilder batch = new StringBuilder();
        RECORDS.forEach(record -> batch.append(TestRecords.json(record)).append('\n'));
        // A malformed line too, so the rejection counters have a sample.
        batch.append("{not json\n");
        HttpResponse<String> answer = TestStack.post(stack.collectorHttpUrl() + "/v1/startups", batch.toString().getBytes(StandardCharsets.UTF_8));
        assertEquals(202, answer.statusCode(), answer.body());
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline && (query("SELECT count() AS n FROM starts WHERE user LIKE 'dash-%'").path("data").get(0).path("n").asInt() < 4
                || query("SELECT count() AS n FROM start_imports WHERE user LIKE 'dash-%'").path("data").get(0).path("n").asInt() < 1)) {
            Thread.sleep(200);
        }
    }

    private static List<Map<String, Object>> testRecords() {
        String[][] starts = {{"dash-ann", "dash-node1", BASE, "1.26.4"}, {"dash-ann", "dash-node2", BASE, "1.24.0"},
                {"dash-bo", "dash-node3", "2023.06", "1.26.4"}, {"dash-ci", "dash-ci1", BASE, "1.26.4"}};
        List<Map<String, Object>> records = new ArrayList<>();
        for (String[] start : starts) {
            Map<String, Object> record = TestRecords.valid(start[0], start[1], List.of(List.of(PACKAGE, start[3]), List.of("dash-pandas", "2.2.2")));
            record.put("base", start[2]);
            record.put("ci", start[0].equals("dash-ci"));
            records.add(record);
        }
        // What dash-ann's first process imported, for the installed-vs-imported panel.
        records.add(TestRecords.imports(records.get(0), List.of(List.of(PACKAGE, "1.26.4"))));
        return records;
    }

    @Test
    void everyClickHousePanelRunsOnTheRealServerAndReturnsWhatItsPanelNeeds() throws Exception {
        assertEquals(14, checkClickHousePanels(DashboardsIT::query), "ClickHouse queries checked");
    }

    /** The same panels on the current release, with the same starts stored as the aggregator stores them. */
    @Test
    void everyClickHousePanelRunsOnTheCurrentRelease() throws Exception {
        try (CurrentClickHouse current = CurrentClickHouse.start("pyusage")) {
            SchemaMigrations.apply(current);
            for (int offset = 0; offset < RECORDS.size(); offset++) {
                DecodeResult.Valid valid = (DecodeResult.Valid) StartupRecordCodec.decode(TestRecords.bytes(RECORDS.get(offset)));
                StartupRecord record = valid.record();
                if (valid.imports()) {
                    current.insertRowBinary("import_set_packages", TableLayout.IMPORT_SET_PACKAGES.columnNames(),
                            RowMapper.packageRows(valid.environmentId(), record).bytes());
                    current.insertRowBinary("start_imports", TableLayout.START_IMPORTS.columnNames(), RowMapper.importRow(record,
                            valid.environmentId(), valid.packageCount(), "topic-id", 0, offset, UserNames.AS_GIVEN).bytes());
                    continue;
                }
                RowMapper.Rows rows = RowMapper.map(record, "topic-id", 0, offset);
                current.insertRowBinary("environment_packages", TableLayout.ENVIRONMENT_PACKAGES.columnNames(), rows.packages().bytes());
                current.insertRowBinary("starts", TableLayout.STARTS.columnNames(), rows.start().bytes());
            }

            assertEquals(14, checkClickHousePanels(current::queryJson), "ClickHouse queries checked on " + current.version());
        }
    }

    /** Runs every ClickHouse target and variable of every dashboard through {@code engine}; returns how many targets ran. */
    private static int checkClickHousePanels(Engine engine) throws Exception {
        GrafanaMacros macros = new GrafanaMacros(Instant.now().minus(Duration.ofDays(90)), Instant.now().plusSeconds(60), 3600,
                Map.of("package", PACKAGE, "base", BASE));
        int checked = 0;
        for (JsonNode dashboard : Dashboards.all()) {
            for (ClickHousePanels.Panel panel : ClickHousePanels.of(dashboard)) {
                JsonNode result = engine.queryJson(macros.expand(panel.rawSql()));
                assertFalse(result.path("data").isEmpty(), panel.where() + " returned no rows on the test data");
                if (panel.format() == 1) {
                    assertTimeSeriesShape(panel.where(), result.path("meta"));
                }
                if (panel.rawSql().contains("'imported' AS usage")) {
                    Set<String> uses = new TreeSet<>();
                    result.path("data").forEach(row -> uses.add(row.path("usage").asText()));
                    assertEquals(Set.of("imported", "installed"), uses, panel.where() + ": both series");
                }
                checked++;
            }
            for (JsonNode variable : dashboard.path("templating").path("list")) {
                Set<String> values = new TreeSet<>();
                engine.queryJson(macros.expand(variable.path("query").asText())).path("data")
                        .forEach(row -> values.add(row.elements().next().asText()));
                assertTrue(values.contains(PACKAGE) || values.contains(BASE), dashboard.path("uid").asText() + " variable "
                        + variable.path("name").asText() + " offers " + values);
            }
        }
        return checked;
    }

    /** Runs a SELECT and answers in ClickHouse's FORMAT JSON. */
    private interface Engine {
        JsonNode queryJson(String sql) throws Exception;
    }

    /** Long or wide time series: a time column first, then label strings and at least one number. */
    private static void assertTimeSeriesShape(String where, JsonNode meta) {
        String first = meta.get(0).path("type").asText();
        assertTrue(first.startsWith("DateTime") || first.equals("Date"), where + ": first column is " + first);
        int numbers = 0;
        for (int i = 1; i < meta.size(); i++) {
            String type = meta.get(i).path("type").asText().replace("Nullable(", "");
            if (type.matches("(U?Int|Float)\\d+.*")) {
                numbers++;
            } else {
                assertTrue(type.startsWith("String"), where + ": column " + meta.get(i).path("name") + " is " + type);
            }
        }
        assertTrue(numbers > 0, where + ": no numeric column");
    }

    /**
     * Per-partition consumer meters appear once the Kafka client reports them (within seconds of
     * the assignment), so the services are scraped until every name is there or 30 s have passed.
     */
    @Test
    void everyMetricAPrometheusPanelReadsIsExposedByAService() throws Exception {
        List<String> missing = missingMetrics();
        for (long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos(); !missing.isEmpty() && System.nanoTime() < deadline; ) {
            Thread.sleep(1000);
            missing = missingMetrics();
        }
        assertEquals(List.of(), missing);
    }

    private static List<String> missingMetrics() throws Exception {
        Set<String> exposed = new HashSet<>();
        for (String service : List.of(stack.collectorHttpUrl(), stack.aggregatorUrl(), stack.queryApiUrl())) {
            for (String line : TestStack.get(service + "/metrics").body().lines().toList()) {
                if (!line.startsWith("#") && !line.isBlank()) {
                    exposed.add(line.split("[{ ]", 2)[0]);
                }
            }
        }
        List<String> missing = new ArrayList<>();
        int checked = 0;
        for (JsonNode dashboard : Dashboards.all()) {
            for (JsonNode panel : Dashboards.panels(dashboard)) {
                for (JsonNode target : panel.path("targets")) {
                    if (Dashboards.PROMETHEUS.equals(Dashboards.datasourceType(target))) {
                        for (String metric : Dashboards.metricNames(target.path("expr").asText())) {
                            checked++;
                            if (!exposed.contains(metric)) {
                                missing.add(panel.path("title").asText() + ": " + metric);
                            }
                        }
                    }
                }
            }
        }
        assertTrue(checked >= 20, "metrics checked: " + checked);
        return missing;
    }

    /** Runs SQL over ClickHouse's HTTP interface with FORMAT JSON, which reports column names and types. */
    private static JsonNode query(String sql) throws Exception {
        HttpResponse<String> response = TestStack.HTTP.send(stack.clickHouse()
                        .request("/?database=pyusage&query=" + URLEncoder.encode(sql + "\nFORMAT JSON", StandardCharsets.UTF_8))
                        .GET().timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), sql + "\n" + response.body());
        return TestStack.json(response);
    }
}
