package io.pyusage.aggregator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pyusage.common.record.StartupRecordCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Rows gathered for one write, with the Kafka offsets they cover. Offsets of records sent to the
 * dead-letter topic are covered too, so committing a written batch never re-reads them.
 */
final class Batch {

    private final ByteArrayOutputStream starts = new ByteArrayOutputStream(64 * 1024);
    private final ByteArrayOutputStream packages = new ByteArrayOutputStream(64 * 1024);
    private final Map<TopicPartition, Long> firstOffsets = new HashMap<>();
    private final Map<TopicPartition, Long> lastOffsets = new HashMap<>();
    private final Set<Long> envIds = new HashSet<>();
    private final long createdNanos = System.nanoTime();
    private double oldestReceivedAt = Double.MAX_VALUE;
    private int startRows;
    private int packageRows;

    /** Adds a start; its environment's package rows only when {@code includePackages}. */
    void add(RowMapper.Rows rows, double receivedAt, boolean includePackages, TopicPartition partition, long offset) {
        append(starts, rows.start());
        startRows++;
        if (includePackages && envIds.add(rows.envId())) {
            for (ObjectNode row : rows.packages()) {
                append(packages, row);
                packageRows++;
            }
        }
        oldestReceivedAt = Math.min(oldestReceivedAt, receivedAt);
        cover(partition, offset);
    }

    /** Marks an offset as handled without a row (a record that went to the dead-letter topic). */
    void cover(TopicPartition partition, long offset) {
        firstOffsets.putIfAbsent(partition, offset);
        lastOffsets.merge(partition, offset, Math::max);
    }

    boolean containsEnvironment(long envId) {
        return envIds.contains(envId);
    }

    boolean isEmpty() {
        return lastOffsets.isEmpty();
    }

    boolean isDue(int maxRows, long maxAgeNanos) {
        return startRows >= maxRows || (!isEmpty() && System.nanoTime() - createdNanos >= maxAgeNanos);
    }

    int startRows() {
        return startRows;
    }

    int packageRows() {
        return packageRows;
    }

    byte[] startsJson() {
        return starts.toByteArray();
    }

    byte[] packagesJson() {
        return packages.toByteArray();
    }

    Set<Long> envIds() {
        return envIds;
    }

    double oldestReceivedAt() {
        return oldestReceivedAt;
    }

    /** The offsets to commit once this batch is written: one past the last record of each partition. */
    Map<TopicPartition, OffsetAndMetadata> commitOffsets() {
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        lastOffsets.forEach((partition, offset) -> commit.put(partition, new OffsetAndMetadata(offset + 1)));
        return commit;
    }

    /** Where each partition must be rewound to read this batch's records again. */
    Map<TopicPartition, Long> firstOffsets() {
        return firstOffsets;
    }

    private static void append(ByteArrayOutputStream out, ObjectNode row) {
        try {
            StartupRecordCodec.mapper().writeValue(out, row);
            out.write('\n');
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
