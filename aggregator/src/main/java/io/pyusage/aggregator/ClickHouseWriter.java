package io.pyusage.aggregator;

import com.fasterxml.jackson.databind.JsonNode;
import io.pyusage.common.clickhouse.ClickHouseStore;
import io.pyusage.common.clickhouse.Sql;
import java.util.HashMap;
import java.util.Map;

/**
 * Writes one batch: package rows first, then starts, so a start is never visible before its
 * environment. One INSERT per table per batch.
 */
final class ClickHouseWriter {

    private final ClickHouseStore store;

    ClickHouseWriter(ClickHouseStore store) {
        this.store = store;
    }

    /**
     * The last offset written per partition of the topic with id {@code topicId}, as ClickHouse
     * recorded it with the rows ({@code kafka_positions}); partitions never written are absent.
     */
    Map<Integer, Long> lastWrittenOffsets(String topicId) {
        Map<Integer, Long> offsets = new HashMap<>();
        for (JsonNode row : store.query("SELECT kafka_partition, max(last_offset) AS last_offset FROM kafka_positions WHERE kafka_topic = "
                + Sql.string(topicId) + " GROUP BY kafka_partition")) {
            offsets.put(row.get("kafka_partition").asInt(), row.get("last_offset").asLong());
        }
        return offsets;
    }

    void write(Batch batch) {
        if (batch.packageRows() > 0) {
            store.insertJsonEachRow("environment_packages", batch.packagesJson());
        }
        if (batch.startRows() > 0) {
            store.insertJsonEachRow("starts", batch.startsJson());
        }
    }
}
