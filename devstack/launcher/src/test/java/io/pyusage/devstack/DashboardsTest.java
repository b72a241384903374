package io.pyusage.devstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What would make Grafana's file provisioning refuse or break a dashboard. */
class DashboardsTest {

    @Test
    void everyDashboardLoadsUnderFileProvisioning() throws Exception {
        List<JsonNode> dashboards = Dashboards.all();
        assertEquals(4, dashboards.size(), "overview, package, deprecation and pipeline dashboards");
        Set<String> uids = new HashSet<>();
        Set<String> provisioned = Dashboards.provisionedDatasourceUids();
        assertEquals(Set.of("pyusage-clickhouse", "pyusage-prometheus"), provisioned);
        for (JsonNode dashboard : dashboards) {
            String uid = dashboard.path("uid").asText();
            assertTrue(uid.matches("[a-z0-9-]{1,40}"), "uid " + uid);
            assertTrue(uids.add(uid), "duplicate dashboard uid " + uid);
            assertTrue(dashboard.path("schemaVersion").asInt() > 0, uid + ": schemaVersion");
            assertFalse(dashboard.has("__inputs"), uid + ": __inputs fail under file provisioning");
            assertFalse(dashboard.toString().contains("${DS_"), uid + ": ${DS_...} placeholders fail under file provisioning");
            Set<Integer> panelIds = new HashSet<>();
            for (JsonNode panel : Dashboards.panels(dashboard)) {
                assertTrue(panelIds.add(panel.path("id").asInt()), uid + ": duplicate panel id " + panel.path("id"));
                assertTrue(provisioned.contains(panel.path("datasource").path("uid").asText()), uid + ": " + panel.path("title"));
                assertFalse(panel.path("targets").isEmpty(), uid + ": " + panel.path("title") + " has no query");
                for (JsonNode target : panel.path("targets")) {
                    assertTrue(provisioned.contains(target.path("datasource").path("uid").asText()), uid + ": " + panel.path("title"));
                }
                JsonNode grid = panel.path("gridPos");
                assertTrue(grid.path("w").asInt() > 0 && grid.path("x").asInt() + grid.path("w").asInt() <= 24, uid + ": gridPos");
            }
            for (JsonNode variable : dashboard.path("templating").path("list")) {
                assertTrue(provisioned.contains(variable.path("datasource").path("uid").asText()), uid + ": variable " + variable.path("name"));
            }
        }
    }

    @Test
    void theDashboardProviderReadsTheFolderTheDashboardsAreIn() throws Exception {
        String provider = Files.readString(Dashboards.ROOT.resolve("provisioning/dashboards/pyusage.yaml"));
        assertTrue(provider.contains("type: file"));
        assertTrue(provider.contains("path: ${PYUSAGE_DASHBOARDS_DIR}"));
    }

    @Test
    void metricNamesAreFoundInPromql() {
        assertEquals(Set.of("pyusage_collector_accepted_total"),
                Dashboards.metricNames("sum by (transport) (rate(pyusage_collector_accepted_total{job=\"x\"}[$__rate_interval]))"));
        assertEquals(Set.of("a_bucket", "b"), Dashboards.metricNames("histogram_quantile(0.99, sum by (le) (rate(a_bucket[5m]))) / max(b)"));
    }
}
