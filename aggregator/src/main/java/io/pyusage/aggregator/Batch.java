package io.pyusage.aggregator;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Rows gathered for one write, with the Kafka offsets they cover. Offsets of records sent to the
 * dead-letter topic are covered too, so committing a written batch never re-reads them; their
 * sends are confirmed before the batch is written.
 */
final class Batch {

    private final RowBuffer starts = new RowBuffer();
    private final RowBuffer imports = new RowBuffer();
    private RowBuffer packages = new RowBuffer();
    /** The sets whose package rows this batch holds, each with where its rows end in {@link #packages}, in order. */
    private final Map<Long, Integer> packageRowsEnd = new LinkedHashMap<>();
    private final List<DeadLetters.Letter> letters = new ArrayList<>();
    private final Map<TopicPartition, Long> firstOffsets = new HashMap<>();
    private final Map<TopicPartition, Long> lastOffsets = new HashMap<>();
    private final Set<Long> envIds = new HashSet<>();
    private final long createdNanos = System.nanoTime();
    private double oldestReceivedAt = Double.MAX_VALUE;

    /**
     * Adds a start; with its environment's package rows when {@code packageRows} is given and this
     * batch does not hold them yet.
     */
    void add(long envId, EncodedRows startRow, EncodedRows packageRows, double receivedAt, TopicPartition partition,
             long offset) {
        add(starts, envId, startRow, packageRows, receivedAt, partition, offset);
    }

    /**
     * Adds an import record's {@code start_imports} row; with its imported set's package rows (stored
     * as an environment's are) when {@code packageRows} is given and this batch does not hold them yet.
     */
    void addImports(long importsId, EncodedRows importRow, EncodedRows packageRows, double receivedAt, TopicPartition partition,
                    long offset) {
        add(imports, importsId, importRow, packageRows, receivedAt, partition, offset);
    }

    private void add(RowBuffer rows, long envId, EncodedRows row, EncodedRows packageRows, double receivedAt, TopicPartition partition,
                     long offset) {
        rows.add(row);
        if (packageRows != null && envIds.add(envId)) {
            packages.add(packageRows);
            packageRowsEnd.put(envId, packages.size());
        }
        oldestReceivedAt = Math.min(oldestReceivedAt, receivedAt);
        cover(partition, offset);
    }

    /** Adds a record that goes to the dead-letter topic instead of a table. */
    void add(DeadLetters.Letter letter, TopicPartition partition, long offset) {
        letters.add(letter);
        cover(partition, offset);
    }

    /** Adds a record that is not stored: a start already accepted (a client's resend). Only its offset is covered. */
    void skip(TopicPartition partition, long offset) {
        cover(partition, offset);
    }

    private void cover(TopicPartition partition, long offset) {
        firstOffsets.putIfAbsent(partition, offset);
        lastOffsets.merge(partition, offset, Math::max);
    }

    /** The package sets whose rows this batch holds. */
    Set<Long> environmentsWithPackages() {
        return packageRowsEnd.keySet();
    }

    /** Drops the package rows of these sets (stored already); only before any package row is written. */
    void leaveOutPackagesOf(Set<Long> stored) {
        if (packages.written() > 0) {
            throw new IllegalStateException("package rows are being written");
        }
        if (stored.isEmpty()) {
            return;
        }
        RowBuffer kept = new RowBuffer();
        Map<Long, Integer> keptEnds = new LinkedHashMap<>();
        int start = 0;
        for (Map.Entry<Long, Integer> set : packageRowsEnd.entrySet()) {
            if (!stored.contains(set.getKey()) && set.getValue() > start) {
                kept.add(packages.rows(start, set.getValue()));
                keptEnds.put(set.getKey(), kept.size());
            }
            start = set.getValue();
        }
        packages = kept;
        packageRowsEnd.clear();
        packageRowsEnd.putAll(keptEnds);
    }

    boolean containsEnvironment(long envId) {
        return envIds.contains(envId);
    }

    boolean isEmpty() {
        return lastOffsets.isEmpty();
    }

    boolean isDue(int maxRows, long maxBytes, long maxAgeNanos) {
        return !isEmpty() && (starts.size() + imports.size() >= maxRows || starts.bytes() + imports.bytes() + packages.bytes() >= maxBytes
                || ageNanos() >= maxAgeNanos);
    }

    long ageNanos() {
        return System.nanoTime() - createdNanos;
    }

    int startRows() {
        return starts.size();
    }

    int packageRows() {
        return packages.size();
    }

    RowBuffer starts() {
        return starts;
    }

    RowBuffer imports() {
        return imports;
    }

    RowBuffer packages() {
        return packages;
    }

    List<DeadLetters.Letter> letters() {
        return letters;
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
}
