package io.pyusage.devstack;

import com.fasterxml.jackson.databind.JsonNode;
import io.pyusage.common.record.StartupRecordCodec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The ClickHouse queries of the dashboards in {@code dashboards/json}: every panel target of the
 * ClickHouse data source, as Grafana would send it before expanding its macros.
 */
public final class ClickHousePanels {

    public static final String CLICKHOUSE = "grafana-clickhouse-datasource";

    /**
     * One panel's query.
     *
     * @param where  the dashboard's uid and the panel's title
     * @param rawSql the SQL with Grafana's variables and macros
     * @param format the target's format (1: a time series)
     */
    public record Panel(String where, String rawSql, int format) {
    }

    private ClickHousePanels() {
    }

    /** The {@code dashboards/} folder of the checkout this runs in: the first one above the working directory. */
    public static Path locate() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("dashboards/json"))) {
                return dir.resolve("dashboards");
            }
        }
        throw new IllegalStateException("no dashboards/ folder above " + Path.of("").toAbsolutePath());
    }

    /** Every dashboard of {@code root}/json, by file name. */
    public static List<JsonNode> dashboards(Path root) throws IOException {
        List<JsonNode> dashboards = new ArrayList<>();
        try (Stream<Path> files = Files.list(root.resolve("json"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                dashboards.add(StartupRecordCodec.mapper().readTree(Files.readString(file)));
            }
        }
        return dashboards;
    }

    /** The ClickHouse targets of every panel of {@code dashboard}. */
    public static List<Panel> of(JsonNode dashboard) {
        List<Panel> panels = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                if (CLICKHOUSE.equals(target.path("datasource").path("type").asText())) {
                    panels.add(new Panel(dashboard.path("uid").asText() + " / " + panel.path("title").asText(),
                            target.path("rawSql").asText(), target.path("format").asInt()));
                }
            }
        }
        return panels;
    }
}
