package io.pyusage.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.pyusage.common.clickhouse.SqlRunner;
import java.util.List;

/** What a database takes on disk, table by table, once its parts are merged as they would be over time. */
final class DiskUsage {

    private DiskUsage() {
    }

    /** Merges every table's parts (as background merges do over days) and prints bytes per start; returns the total. */
    static long report(SqlRunner store, long starts) {
        for (JsonNode table : store.query("SELECT name FROM system.tables WHERE database = currentDatabase() AND engine LIKE '%MergeTree'")) {
            // Back-quoted: a materialized view's inner table is named ".inner.<view>".
            store.execute("OPTIMIZE TABLE `" + table.get("name").asText() + "` FINAL");
        }
        List<JsonNode> tables = store.query("""
                SELECT table, sum(rows) AS rows, sum(bytes_on_disk) AS bytes, sum(data_uncompressed_bytes) AS raw
                FROM system.parts WHERE database = currentDatabase() AND active
                GROUP BY table ORDER BY bytes DESC""");
        long total = 0;
        for (JsonNode table : tables) {
            long bytes = table.get("bytes").asLong();
            total += bytes;
            CollectorBenchmark.say("  %-22s %,12d rows %,14d bytes on disk (%5.1f x compressed) %6.2f bytes per start",
                    table.get("table").asText(), table.get("rows").asLong(), bytes,
                    table.get("raw").asDouble() / Math.max(1, bytes), (double) bytes / starts);
        }
        CollectorBenchmark.say("  %-22s %,12d starts %,14d bytes on disk %22s %6.2f bytes per start", "whole database", starts, total, "",
                (double) total / starts);
        StringBuilder columns = new StringBuilder();
        for (JsonNode column : store.query("""
                SELECT name, data_compressed_bytes AS bytes FROM system.columns
                WHERE database = currentDatabase() AND table = 'starts' ORDER BY bytes DESC""")) {
            columns.append(String.format(" %s %.1f", column.get("name").asText(), column.get("bytes").asDouble() / starts));
        }
        CollectorBenchmark.say("  starts, bytes per start by column:%s", columns);
        return total;
    }
}
