package io.pyusage.aggregator;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.pyusage.common.record.DecodeResult;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/** The aggregator's own meters (Kafka consumer lag comes from the client's metrics, bound separately). */
final class AggregatorMetrics {

    /** Every reason a record can be dead-lettered for, so each counter exists from the start at zero. */
    private static final List<String> DEAD_LETTER_REASONS =
            Stream.concat(DecodeResult.Invalid.REASONS.stream(), Stream.of(DeadLetters.CLICKHOUSE_REJECTED)).toList();

    final Counter startsWritten;
    final Counter packageRowsWritten;
    final Counter importRecordsWritten;
    final Counter insertErrors;
    final Counter commitErrors;
    final Counter resumedBehindReplica;
    final Counter resendsSkipped;
    final Timer insertLatency;
    final Timer batchAge;
    final Timer endToEndLag;
    final DistributionSummary batchSize;
    final AtomicInteger paused = new AtomicInteger();
    private final MeterRegistry registry;
    private final Map<String, Counter> deadLettered = new ConcurrentHashMap<>();

    AggregatorMetrics(MeterRegistry registry) {
        this.registry = registry;
        startsWritten = Counter.builder("pyusage_aggregator_starts_written").description("Start rows accepted by ClickHouse").register(registry);
        importRecordsWritten = Counter.builder("pyusage_aggregator_import_records_written")
                .description("Import records (what a process imported) accepted by ClickHouse").register(registry);
        packageRowsWritten = Counter.builder("pyusage_aggregator_package_rows_written").description("Environment package rows accepted by ClickHouse").register(registry);
        insertErrors = Counter.builder("pyusage_aggregator_insert_errors").description("Failed batch writes (each is retried)").register(registry);
        resendsSkipped = Counter.builder("pyusage_aggregator_resends_skipped")
                .description("Starts not stored again: their event_id was accepted lately from the same partition").register(registry);
        resumedBehindReplica = Counter.builder("pyusage_aggregator_resumed_behind_replica")
                .description("Partitions resumed from a ClickHouse replica still lacking inserts of a replica gone longer than the wait").register(registry);
        commitErrors = Counter.builder("pyusage_aggregator_commit_errors").description("Offset commits that failed after a write (retried with the next batch)").register(registry);
        batchAge = Timer.builder("pyusage_aggregator_batch_age").description("Age of a batch when written, from its first record")
                .publishPercentileHistogram().register(registry);
        DEAD_LETTER_REASONS.forEach(this::deadLettered);
        insertLatency = Timer.builder("pyusage_aggregator_insert").description("Time to write one batch").publishPercentileHistogram().register(registry);
        endToEndLag = Timer.builder("pyusage_aggregator_end_to_end_lag").description("From collector receipt to ClickHouse write, oldest record of a batch")
                .publishPercentileHistogram().register(registry);
        batchSize = DistributionSummary.builder("pyusage_aggregator_batch_rows").description("Start rows per written batch").register(registry);
        registry.gauge("pyusage_aggregator_paused", paused);
    }

    /** Records sent to the dead-letter topic, by reason. */
    Counter deadLettered(String reason) {
        return deadLettered.computeIfAbsent(reason, r -> Counter.builder("pyusage_aggregator_dead_lettered")
                .description("Records sent to the dead-letter topic").tag("reason", r).register(registry));
    }
}
