package io.pyusage.aggregator;

import java.util.ArrayList;
import java.util.HashMap;
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
    private final PackageSets environments = new PackageSets();
    private final PackageSets importSets = new PackageSets();
    private final List<DeadLetters.Letter> letters = new ArrayList<>();
    private final Map<TopicPartition, Long> firstOffsets = new HashMap<>();
    private final Map<TopicPartition, Long> lastOffsets = new HashMap<>();
    private final long createdNanos = System.nanoTime();
    private double oldestReceivedAt = Double.MAX_VALUE;

    /**
     * Adds a start; with its environment's package rows when {@code packageRows} is given and this
     * batch does not hold them yet.
     */
    void add(long envId, EncodedRows startRow, EncodedRows packageRows, double receivedAt, TopicPartition partition,
             long offset) {
        starts.add(startRow);
        environments.add(envId, packageRows);
        received(receivedAt, partition, offset);
    }

    /**
     * Adds an import record's {@code start_imports} row; with its imported set's rows when
     * {@code setRows} is given and this batch does not hold them yet.
     */
    void addImports(long importsId, EncodedRows importRow, EncodedRows setRows, double receivedAt, TopicPartition partition,
                    long offset) {
        imports.add(importRow);
        importSets.add(importsId, setRows);
        received(receivedAt, partition, offset);
    }

    private void received(double receivedAt, TopicPartition partition, long offset) {
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

    /** The environments' installed sets and their package rows. */
    PackageSets environments() {
        return environments;
    }

    /** The imported sets and their package rows. */
    PackageSets importSets() {
        return importSets;
    }

    /** The imported sets when {@code imports}, else the environments' installed sets. */
    PackageSets sets(boolean imports) {
        return imports ? importSets : environments;
    }

    boolean isEmpty() {
        return lastOffsets.isEmpty();
    }

    boolean isDue(int maxRows, long maxBytes, long maxAgeNanos) {
        return !isEmpty() && (starts.size() + imports.size() >= maxRows
                || starts.bytes() + imports.bytes() + environments.rows().bytes() + importSets.rows().bytes() >= maxBytes
                || ageNanos() >= maxAgeNanos);
    }

    long ageNanos() {
        return System.nanoTime() - createdNanos;
    }

    int startRows() {
        return starts.size();
    }

    int packageRows() {
        return environments.rows().size();
    }

    RowBuffer starts() {
        return starts;
    }

    RowBuffer imports() {
        return imports;
    }

    RowBuffer packages() {
        return environments.rows();
    }

    List<DeadLetters.Letter> letters() {
        return letters;
    }

    Set<Long> envIds() {
        return environments.ids();
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
