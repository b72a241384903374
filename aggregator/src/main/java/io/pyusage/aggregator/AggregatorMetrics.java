package io.pyusage.aggregator;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.atomic.AtomicInteger;

/** The aggregator's own meters (Kafka consumer lag comes from the client's metrics, bound separately). */
final class AggregatorMetrics {

    final Counter startsWritten;
    final Counter packageRowsWritten;
    final Counter insertErrors;
    final Counter deadLettered;
    final Timer insertLatency;
    final Timer endToEndLag;
    final DistributionSummary batchSize;
    final AtomicInteger paused = new AtomicInteger();

    AggregatorMetrics(MeterRegistry registry) {
        startsWritten = Counter.builder("pyusage_aggregator_starts_written").description("Start rows accepted by ClickHouse").register(registry);
        packageRowsWritten = Counter.builder("pyusage_aggregator_package_rows_written").description("Environment package rows accepted by ClickHouse").register(registry);
        insertErrors = Counter.builder("pyusage_aggregator_insert_errors").description("Failed batch writes (each is retried)").register(registry);
        deadLettered = Counter.builder("pyusage_aggregator_dead_lettered").description("Records sent to the dead-letter topic").register(registry);
        insertLatency = Timer.builder("pyusage_aggregator_insert").description("Time to write one batch").publishPercentileHistogram().register(registry);
        endToEndLag = Timer.builder("pyusage_aggregator_end_to_end_lag").description("From collector receipt to ClickHouse write, oldest record of a batch")
                .publishPercentileHistogram().register(registry);
        batchSize = DistributionSummary.builder("pyusage_aggregator_batch_rows").description("Start rows per written batch").register(registry);
        registry.gauge("pyusage_aggregator_paused", paused);
    }
}
