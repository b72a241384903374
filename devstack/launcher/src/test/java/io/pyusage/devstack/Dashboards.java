package io.pyusage.devstack;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The dashboards and provisioning files of {@code dashboards/}, read the way Grafana reads them. */
final class Dashboards {

    static final Path ROOT = locate();
    static final String CLICKHOUSE = ClickHousePanels.CLICKHOUSE;
    static final String PROMETHEUS = "prometheus";

    private static final Pattern PROVISIONED_UID = Pattern.compile("(?m)^\\s+uid:\\s*(\\S+)\\s*$");
    /** PromQL words that are not metric names: functions, aggregations, keywords. */
    private static final Set<String> PROMQL_WORDS = Set.of("sum", "max", "min", "avg", "count", "by", "without", "rate",
            "irate", "increase", "histogram_quantile", "topk", "bottomk", "and", "or", "unless", "on", "ignoring",
            "group_left", "group_right", "offset", "bool", "le", "delta", "deriv", "abs", "clamp_min", "clamp_max");

    private Dashboards() {
    }

    static Path locate() {
        return ClickHousePanels.locate();
    }

    static List<JsonNode> all() throws IOException {
        return ClickHousePanels.dashboards(ROOT);
    }

    static Set<String> provisionedDatasourceUids() throws IOException {
        Set<String> uids = new LinkedHashSet<>();
        Matcher matcher = PROVISIONED_UID.matcher(Files.readString(ROOT.resolve("provisioning/datasources/pyusage.yaml")));
        while (matcher.find()) {
            uids.add(matcher.group(1));
        }
        return uids;
    }

    static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> panels = new ArrayList<>();
        dashboard.path("panels").forEach(panels::add);
        return panels;
    }

    static String datasourceType(JsonNode panelOrTarget) {
        return panelOrTarget.path("datasource").path("type").asText();
    }

    /** The metric names a PromQL expression reads. */
    static Set<String> metricNames(String promql) {
        String stripped = promql
                .replaceAll("\\{[^}]*}", " ")          // label matchers
                .replaceAll("\\[[^]]*]", " ")          // range selectors
                .replaceAll("(by|without)\\s*\\([^)]*\\)", " ") // grouping labels
                .replaceAll("\"[^\"]*\"", " ");
        Set<String> names = new LinkedHashSet<>();
        Matcher matcher = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*").matcher(stripped);
        while (matcher.find()) {
            if (!PROMQL_WORDS.contains(matcher.group())) {
                names.add(matcher.group());
            }
        }
        return names;
    }
}
