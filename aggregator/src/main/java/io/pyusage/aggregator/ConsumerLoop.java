package io.pyusage.aggregator;

import io.pyusage.common.clickhouse.ClickHouseStore.ClickHouseException;
import io.pyusage.common.record.CheckedPackagesHeaders;
import io.pyusage.common.record.DecodeResult;
import io.pyusage.common.record.StartupRecord;
import io.pyusage.common.record.UserNames;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Poll, batch, write, commit. A full batch is written on a writer thread while the next one fills
 * (one batch in flight at a time, so batches are written and committed in order); offsets are
 * committed only after ClickHouse accepted the batch. While
 * ClickHouse fails, the partitions are paused and the loop keeps polling (so the consumer stays in
 * its group) and retries with capped exponential backoff; a batch whose partitions are taken away
 * in a rebalance is dropped and re-read by their new owner.
 *
 * <p>No start is written twice: a newly assigned partition stays paused until its position has been
 * moved past the last offset ClickHouse holds for it ({@code kafka_positions}), which covers a
 * crash between an INSERT and its commit.
 */
final class ConsumerLoop implements Runnable, ConsumerRebalanceListener {

    private static final Logger LOG = LoggerFactory.getLogger(ConsumerLoop.class);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    /** Below this many records a poll is decoded on the loop's own thread: splitting would cost more. */
    private static final int PARALLEL_MIN = 16;
    /** Environments whose package rows are known to be stored; beyond this many, the oldest are forgotten. */
    private static final int KNOWN_ENVIRONMENTS = 200_000;

    private final Consumer<ByteBuffer, ByteBuffer> consumer;
    private final String topic;
    private final String topicId;
    private final ClickHouseWriter writer;
    private final DeadLetters deadLetters;
    private final AggregatorMetrics metrics;
    private final int batchRows;
    private final int batchBytes;
    private final long batchAgeNanos;
    private final Duration maxBackoff;
    private final UserNames userNames;
    private final RecentEvents recentEvents;
    private final Map<Long, Boolean> knownEnvironments = knownSets();
    private final Map<Long, Boolean> knownImportSets = knownSets();
    private volatile boolean running = true;
    private volatile String lastError;
    /** The batch records are added to. */
    private Batch batch = new Batch();
    /** The batch before it, being written on the writer thread while the next one fills; null when none is. */
    private Batch writing;
    /** How many of {@link #writing}'s starts ClickHouse refused, once written. */
    private Future<Integer> writeResult;
    /** Writes batches in order, one at a time, so decoding the next batch overlaps writing this one. */
    private final ExecutorService writerThread = Executors.newSingleThreadExecutor(task -> new Thread(task, "aggregator-writer"));
    /** Offsets of written batches whose commit failed; committed with the next batch. */
    private final Map<TopicPartition, OffsetAndMetadata> uncommitted = new HashMap<>();
    /** Assigned partitions whose stored position is not yet applied; paused until it is. */
    private final Set<TopicPartition> unresolved = new HashSet<>();
    /**
     * Per partition, the last offset whose import record {@code start_imports} holds, as read when the
     * partition came here. A batch's import rows are written before its starts, and the partition
     * resumes after its last stored start: import records up to here are not written again.
     */
    private final Map<TopicPartition, Long> importsWrittenUpTo = new HashMap<>();

    ConsumerLoop(Consumer<ByteBuffer, ByteBuffer> consumer, String topic, String topicId, ClickHouseWriter writer, DeadLetters deadLetters,
                 AggregatorMetrics metrics, AggregatorConfig config) {
        this.consumer = consumer;
        this.topic = topic;
        this.topicId = topicId;
        this.writer = writer;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
        this.batchRows = config.batchRows();
        this.batchBytes = config.batchBytes();
        this.batchAgeNanos = config.batchAge().toNanos();
        this.maxBackoff = config.maxBackoff();
        this.userNames = config.userNames();
        this.recentEvents = new RecentEvents(config.recentEvents());
    }

    @Override
    public void run() {
        consumer.subscribe(Collections.singletonList(topic), this);
        try {
            while (running) {
                resolvePositions();
                acceptAll(consumer.poll(POLL));
                if (writing != null && writeResult.isDone()) {
                    finishWrite(); // commit as soon as the write is done
                }
                if (isToBeWritten()) {
                    finishWrite();
                    startWrite();
                }
            }
            finishWrite();
        } catch (WakeupException e) {
            // stop() woke us up: the batch on the writer is finished (counted, committed), the
            // filling one is re-read after restart
            finishWrite();
        } catch (InterruptException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("consumer loop stopped", e);
            lastError = e.toString();
        } finally {
            writerThread.shutdownNow();
            consumer.close();
        }
    }

    /**
     * Whether the filling batch goes to the writer now: when it is due and the writer is free. While
     * the writer is busy a due batch keeps filling, up to twice its size, instead of the loop waiting
     * with one core idle (about a sixth of a drain's time); a larger INSERT costs ClickHouse less per row.
     */
    private boolean isToBeWritten() {
        boolean writerFree = writing == null || writeResult.isDone();
        return batch.isDue(batchRows, batchBytes, batchAgeNanos) && (writerFree || batch.isDue(2 * batchRows, 2L * batchBytes, Long.MAX_VALUE));
    }

    void stop() {
        running = false;
        consumer.wakeup();
    }

    boolean isPaused() {
        return metrics.paused.get() == 1;
    }

    String lastError() {
        return lastError;
    }

    /**
     * Decoding, mapping and encoding rows (most of the loop's CPU) run in parallel over a poll's
     * records; the results join the batch in the order the records came, so offsets stay in order.
     * A record whose package set is neither stored nor in the batch yet (rare once running) is read
     * a second time, with its packages, for its environment's rows.
     */
    private void acceptAll(ConsumerRecords<ByteBuffer, ByteBuffer> polled) {
        List<ConsumerRecord<ByteBuffer, ByteBuffer>> records = new ArrayList<>(polled.count());
        polled.forEach(records::add);
        Object[] decoded = new Object[records.size()];
        inParallel(records.size(), i -> decoded[i] = decode(records.get(i)));
        List<Integer> firstOfNewEnvironment = new ArrayList<>();
        Set<Long> newEnvironments = new HashSet<>();
        Set<Long> newImportSets = new HashSet<>();
        for (int i = 0; i < decoded.length; i++) {
            if (decoded[i] instanceof Prepared prepared && !isStoredOrBatched(prepared)
                    && (prepared.imports() ? newImportSets : newEnvironments).add(prepared.envId())) {
                firstOfNewEnvironment.add(i);
            }
        }
        inParallel(firstOfNewEnvironment.size(), j -> {
            int i = firstOfNewEnvironment.get(j);
            decoded[i] = withPackages(records.get(i), (Prepared) decoded[i]);
        });
        for (int i = 0; i < decoded.length; i++) {
            accept(records.get(i), decoded[i]);
        }
    }

    /** The package sets known to be stored, the least recently used forgotten past {@link #KNOWN_ENVIRONMENTS}. */
    private static Map<Long, Boolean> knownSets() {
        return new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
                return size() > KNOWN_ENVIRONMENTS;
            }
        };
    }

    /** Whether the record's package set (installed, or imported) has its rows stored, or in a batch being written or filled. */
    private boolean isStoredOrBatched(Prepared prepared) {
        long id = prepared.envId();
        boolean imports = prepared.imports();
        return (imports ? knownImportSets : knownEnvironments).containsKey(id) || batch.sets(imports).contains(id)
                || (writing != null && writing.sets(imports).contains(id));
    }

    private static void inParallel(int count, IntConsumer task) {
        IntStream indexes = IntStream.range(0, count);
        (count >= PARALLEL_MIN ? indexes.parallel() : indexes).forEach(task);
    }

    /**
     * A valid record ready for a batch: its environment (of an import record: its imported set), its
     * encoded row ({@code starts}, or {@code start_imports} when {@code imports}), and the set's
     * encoded package rows when they are to be stored with it (else null). {@code eventId} is what
     * {@link RecentEvents} knows it by.
     */
    private record Prepared(UUID eventId, long envId, EncodedRows startRow, EncodedRows packageRows, double receivedAt, boolean imports) {
    }

    /** The record ready for a batch, without its package rows, or why it is invalid. */
    private Object decode(ConsumerRecord<ByteBuffer, ByteBuffer> record) {
        DecodeResult result = CheckedPackagesHeaders.decodeWithoutPackages(value(record), record.headers());
        if (result instanceof DecodeResult.Valid valid) {
            EncodedRows row = RowMapper.recordRow(valid, topicId, record.partition(), record.offset(), userNames);
            StartupRecord start = valid.record();
            UUID eventId = RecentEvents.eventId(start.eventId());
            return new Prepared(valid.imports() ? RecentEvents.importsKey(eventId, valid.environmentId()) : eventId, valid.environmentId(), row,
                    null, start.receivedAt() == null ? start.ts() : start.receivedAt(), valid.imports());
        }
        return result;
    }

    /** The record read again with its packages for its environment's rows, or why its package list is invalid. */
    private static Object withPackages(ConsumerRecord<ByteBuffer, ByteBuffer> record, Prepared prepared) {
        DecodeResult result = CheckedPackagesHeaders.decodeWithPackages(value(record), record.headers());
        if (result instanceof DecodeResult.Valid valid) {
            EncodedRows packageRows = RowMapper.packageRows(prepared.envId(), valid.record());
            return new Prepared(prepared.eventId(), prepared.envId(), prepared.startRow(), packageRows, prepared.receivedAt(), prepared.imports());
        }
        return result;
    }

    private static ByteBuffer value(ConsumerRecord<ByteBuffer, ByteBuffer> record) {
        return record.value() == null ? ByteBuffer.allocate(0) : record.value();
    }

    private void accept(ConsumerRecord<ByteBuffer, ByteBuffer> record, Object decoded) {
        TopicPartition partition = new TopicPartition(record.topic(), record.partition());
        if (decoded instanceof Prepared prepared) {
            if (prepared.imports() && record.offset() <= importsWrittenUpTo.getOrDefault(partition, -1L)) {
                batch.skip(partition, record.offset()); // written before the starts of its batch, which were not
            } else if (recentEvents.accept(record.partition(), prepared.eventId(), record.offset())) {
                if (prepared.imports()) {
                    batch.addImports(prepared.envId(), prepared.startRow(), prepared.packageRows(), prepared.receivedAt(), partition, record.offset());
                } else {
                    batch.add(prepared.envId(), prepared.startRow(), prepared.packageRows(), prepared.receivedAt(), partition, record.offset());
                }
            } else {
                batch.skip(partition, record.offset());
                metrics.resendsSkipped.increment();
            }
        } else if (decoded instanceof DecodeResult.Invalid invalid) {
            batch.add(deadLetters.send(record, invalid.reason(), invalid.errors().toString()), partition, record.offset());
            metrics.deadLettered(invalid.reason()).increment();
        }
    }

    /** Hands the batch to the writer thread and starts a new one. */
    private void startWrite() {
        Batch target = batch;
        writing = target;
        batch = new Batch();
        writeResult = writerThread.submit(() -> write(target));
    }

    /**
     * Waits for the batch being written and commits it; when its write failed, retries it here
     * (see {@link #retryUntilWritten}) before anything after it is written.
     */
    private void finishWrite() {
        if (writing == null) {
            return;
        }
        Batch target = writing;
        try {
            committed(target, awaitWrite());
        } catch (ClickHouseException | DeadLetters.DeliveryException e) {
            writeFailed(e);
            retryUntilWritten(target);
        }
    }

    /** How many starts of the batch on the writer thread ClickHouse refused, once written; its write's failure is thrown here. */
    private int awaitWrite() {
        try {
            return writeResult.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            throw new IllegalStateException("writing a batch failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptException(e);
        }
    }

    /**
     * Retries a failed batch with capped exponential backoff, its partitions paused, polling
     * meanwhile so the consumer stays in its group. Stops when written, when stopped, or when a
     * rebalance has dealt with the batch (see {@link #onPartitionsRevoked}).
     */
    private void retryUntilWritten(Batch target) {
        Duration backoff = FIRST_BACKOFF;
        while (running && target == writing) {
            waitPolling(backoff);
            backoff = nextBackoff(backoff);
            if (target != writing) {
                return;
            }
            try {
                committed(target, write(target));
            } catch (ClickHouseException | DeadLetters.DeliveryException e) {
                writeFailed(e);
            }
        }
    }

    private void writeFailed(RuntimeException e) {
        metrics.insertErrors.increment();
        lastError = e.getMessage();
        if (metrics.paused.getAndSet(1) == 0) {
            LOG.warn("batch write failed, pausing partitions and retrying: {}", e.getMessage());
            consumer.pause(consumer.assignment());
        }
    }

    /** Doubles the wait between retries, up to the configured maximum. */
    private Duration nextBackoff(Duration backoff) {
        Duration doubled = backoff.multipliedBy(2);
        return doubled.compareTo(maxBackoff) > 0 ? maxBackoff : doubled;
    }

    /**
     * Dead letters first (the stored positions would skip them), then the rows. Already written
     * parts of a retried batch are not written again (see {@link RowBuffer}). Returns how many
     * starts ClickHouse refused (they are in the dead-letter topic).
     */
    private int write(Batch target) {
        long start = System.nanoTime();
        deadLetters.deliver(target.letters());
        int[] refusedStarts = {0};
        writer.write(target, (table, row, error) -> {
            deadLetters.sendRejectedRow(table, row, error);
            metrics.deadLettered(DeadLetters.CLICKHOUSE_REJECTED).increment();
            LOG.warn("ClickHouse refused a row of {}; it is in the dead-letter topic: {}", table.table(), error);
            refusedStarts[0] += table == TableLayout.STARTS ? 1 : 0;
        });
        metrics.insertLatency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        return refusedStarts[0];
    }

    /**
     * After a batch is written: count it, remember its environments, commit its offsets, resume if
     * paused. Counted before the commit: the rows are stored whether or not the commit gets through
     * (a stop's wakeup ends it).
     */
    private void committed(Batch target, int refusedStarts) {
        metrics.batchAge.record(target.ageNanos(), TimeUnit.NANOSECONDS);
        metrics.startsWritten.increment(target.startRows() - refusedStarts);
        metrics.packageRowsWritten.increment(target.packageRows());
        metrics.importRecordsWritten.increment(target.imports().size());
        metrics.batchSize.record(target.startRows());
        if (target.startRows() > 0) {
            long lagMillis = (long) (System.currentTimeMillis() - target.oldestReceivedAt() * 1000);
            metrics.endToEndLag.record(Math.max(0, lagMillis), TimeUnit.MILLISECONDS);
        }
        target.envIds().forEach(id -> knownEnvironments.put(id, Boolean.TRUE));
        target.importSets().ids().forEach(id -> knownImportSets.put(id, Boolean.TRUE));
        if (target == writing) {
            writing = null;
        }
        commit(target.commitOffsets());
        lastError = null;
        if (metrics.paused.getAndSet(0) == 1) {
            consumer.resume(resumable(consumer.assignment()));
            LOG.info("writes succeed again; partitions resumed");
        }
    }

    /**
     * Commits after a write. The rows are stored by then, so a failed commit (Kafka away, a rebalance)
     * does not fail the batch: the offsets are committed with the next batch, and whoever reads the
     * partition meanwhile resumes after the stored rows ({@code kafka_positions}).
     */
    private void commit(Map<TopicPartition, OffsetAndMetadata> offsets) {
        offsets.forEach((partition, offset) -> uncommitted.merge(partition, offset,
                (a, b) -> a.offset() >= b.offset() ? a : b));
        uncommitted.keySet().retainAll(consumer.assignment());
        try {
            consumer.commitSync(uncommitted);
            uncommitted.clear();
        } catch (WakeupException | InterruptException e) {
            throw e;
        } catch (KafkaException e) {
            metrics.commitErrors.increment();
            LOG.warn("offset commit failed; the rows are stored, the offsets go with the next commit: {}", e.getMessage());
        }
    }

    /**
     * Waits out the backoff in poll-sized steps, so the group sees the consumer alive. Paused partitions
     * return nothing; should a record arrive anyway, it joins the batch being retried.
     */
    private void waitPolling(Duration backoff) {
        long until = System.nanoTime() + backoff.toNanos();
        while (running && System.nanoTime() < until) {
            acceptAll(consumer.poll(POLL));
        }
    }

    /**
     * Moves newly assigned partitions past what ClickHouse already holds, then lets them be read.
     * While ClickHouse cannot say, they stay paused and this is retried with capped backoff, polling
     * meanwhile so that the consumer stays in its group.
     */
    private void resolvePositions() {
        Duration backoff = FIRST_BACKOFF;
        ReplicaCatchUp catchUp = new ReplicaCatchUp(writer.store(), ReplicaCatchUp.LONGEST_WAIT);
        while (running && !unresolved.isEmpty()) {
            try {
                Set<String> awaited = catchUp.stillAwaited();
                if (!awaited.isEmpty()) {
                    String waiting = "the ClickHouse replica lacks " + awaited.size() + " inserts another replica took; waiting for it to fetch them";
                    if (!waiting.equals(lastError)) {
                        LOG.warn("{} before reading the stored Kafka positions", waiting);
                    }
                    lastError = waiting;
                    waitPolling(backoff);
                    backoff = nextBackoff(backoff);
                    continue;
                }
                if (catchUp.waitedTooLong()) {
                    metrics.resumedBehindReplica.increment();
                    LOG.warn("the ClickHouse replica still lacks inserts after {}; resuming from the positions it holds", ReplicaCatchUp.LONGEST_WAIT);
                }
                Map<Integer, Long> written = writer.lastWrittenOffsets(topicId);
                Map<Integer, Long> lastOfResolved = new HashMap<>();
                for (TopicPartition partition : unresolved) {
                    lastOfResolved.put(partition.partition(), written.getOrDefault(partition.partition(), -1L));
                }
                Map<Integer, Long> lastStored = rememberStoredStarts(lastOfResolved);
                Map<Integer, Long> importsWritten = writer.lastWrittenImportOffsets(topicId);
                for (TopicPartition partition : unresolved) {
                    Long last = importsWritten.get(partition.partition());
                    if (last == null) {
                        importsWrittenUpTo.remove(partition);
                    } else {
                        importsWrittenUpTo.put(partition, last);
                    }
                }
                for (TopicPartition partition : unresolved) {
                    long last = Math.max(lastOfResolved.get(partition.partition()), lastStored.getOrDefault(partition.partition(), -1L));
                    if (last > lastOfResolved.get(partition.partition())) {
                        LOG.warn("{}: starts up to offset {} are stored, beyond the {} kafka_positions holds: an insert lost its views' rows",
                                partition, last, lastOfResolved.get(partition.partition()));
                    }
                    if (last >= 0 && last + 1 > consumer.position(partition)) {
                        LOG.info("{}: offsets up to {} are already in ClickHouse (written, not committed); resuming after them",
                                partition, last);
                        consumer.seek(partition, last + 1);
                    }
                }
                Set<TopicPartition> resolved = new HashSet<>(unresolved);
                unresolved.clear();
                if (!isPaused()) {
                    consumer.resume(resolved);
                }
                return;
            } catch (ClickHouseException e) {
                lastError = "reading stored Kafka positions: " + e.getMessage();
                LOG.warn("cannot read the stored Kafka positions yet, retrying: {}", e.getMessage());
                waitPolling(backoff);
                backoff = nextBackoff(backoff);
            }
        }
    }

    /**
     * Starts the recent event ids of partitions this aggregator begins to read with the starts last
     * stored from them (see {@link RecentEvents}), so a resend of a start stored before a restart or
     * by the aggregator that read the partition before is known as one. Returns the highest offset
     * stored per partition, where starts lie beyond the last offset {@code kafka_positions} holds.
     */
    private Map<Integer, Long> rememberStoredStarts(Map<Integer, Long> lastOffsets) {
        Map<Integer, Long> highest = new HashMap<>();
        if (lastOffsets.isEmpty()) {
            return highest;
        }
        recentEvents.forget(lastOffsets.keySet()); // a lookup that fails half-way is made again from the start
        int[] remembered = {0};
        writer.lastStoredStarts(topicId, lastOffsets, recentEvents.capacity(), start -> {
            if (recentEvents.capacity() > 0) {
                recentEvents.accept(start.partition(), start.eventId(), start.offset());
                remembered[0]++;
            }
            highest.merge(start.partition(), start.offset(), Math::max);
        });
        LOG.info("partitions {}: the event ids of {} starts stored from them lately are remembered", lastOffsets.keySet(), remembered[0]);
        return highest;
    }

    private Set<TopicPartition> resumable(Set<TopicPartition> assignment) {
        Set<TopicPartition> partitions = new HashSet<>(assignment);
        partitions.removeAll(unresolved);
        return partitions;
    }

    /**
     * Before partitions go: the batch being written and the one filling are written and committed
     * (one attempt each: no polling is allowed here). Whatever cannot be written is dropped and the
     * partitions kept are rewound to its first records, to be read again.
     */
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
        unresolved.removeAll(revoked);
        recentEvents.forget(numbers(revoked));
        try {
            if (writing != null) {
                Batch target = writing;
                committed(target, writtenOrWriteAgain(target));
            }
        } catch (RuntimeException e) {
            dropAndRewind(revoked, e, writing, batch);
            return;
        }
        try {
            if (!batch.isEmpty()) {
                committed(batch, write(batch));
                batch = new Batch();
            }
        } catch (RuntimeException e) {
            dropAndRewind(revoked, e, batch);
        }
    }

    /** Drops unwritten batches (oldest first) and rewinds the partitions kept to their first records. */
    private void dropAndRewind(Collection<TopicPartition> revoked, RuntimeException cause, Batch... unwritten) {
        LOG.warn("could not write before a rebalance; the records not written will be read again: {}", cause.getMessage());
        Map<TopicPartition, Long> rewind = new HashMap<>();
        for (Batch dropped : unwritten) {
            dropped.firstOffsets().forEach(rewind::putIfAbsent);
        }
        rewind.forEach((partition, offset) -> {
            if (!revoked.contains(partition) && consumer.assignment().contains(partition)) {
                consumer.seek(partition, offset);
                recentEvents.forgetFrom(partition.partition(), offset);
            }
        });
        writing = null;
        batch = new Batch();
    }

    /** The refused starts of the batch on the writer thread; if its write failed, one more attempt here. */
    private int writtenOrWriteAgain(Batch target) {
        try {
            return awaitWrite();
        } catch (InterruptException e) {
            throw e;
        } catch (RuntimeException e) {
            return write(target);
        }
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
        // Nothing is read from them before resolvePositions() has moved them past stored rows.
        unresolved.addAll(assigned);
        consumer.pause(assigned);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> lost) {
        unresolved.removeAll(lost);
        recentEvents.forget(numbers(lost));
        writing = null;
        batch = new Batch();
    }

    private static List<Integer> numbers(Collection<TopicPartition> partitions) {
        return partitions.stream().map(TopicPartition::partition).toList();
    }
}
