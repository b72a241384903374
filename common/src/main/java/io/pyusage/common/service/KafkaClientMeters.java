package io.pyusage.common.service;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;

/**
 * A Kafka client's own metrics in a service's registry (request latency, batch sizes, consumer lag
 * per partition). They are looked up again every 10 s, not Micrometer's default minute, so that the
 * per-partition meters of a consumer appear soon after its partitions are assigned.
 */
public final class KafkaClientMeters implements AutoCloseable {

    private static final Duration REFRESH = Duration.ofSeconds(10);

    private final ScheduledExecutorService scheduler;
    private final KafkaClientMetrics metrics;

    private KafkaClientMeters(ScheduledExecutorService scheduler, KafkaClientMetrics metrics, MeterRegistry registry) {
        this.scheduler = scheduler;
        this.metrics = metrics;
        metrics.bindTo(registry);
    }

    public static KafkaClientMeters bind(Producer<?, ?> producer, MeterRegistry registry) {
        ScheduledExecutorService scheduler = newScheduler();
        return new KafkaClientMeters(scheduler, new KafkaClientMetrics(producer, List.of(), scheduler, REFRESH), registry);
    }

    public static KafkaClientMeters bind(Consumer<?, ?> consumer, MeterRegistry registry) {
        ScheduledExecutorService scheduler = newScheduler();
        return new KafkaClientMeters(scheduler, new KafkaClientMetrics(consumer, List.of(), scheduler, REFRESH), registry);
    }

    private static ScheduledExecutorService newScheduler() {
        return Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "kafka-client-meters");
            thread.setDaemon(true);
            return thread;
        });
    }

    @Override
    public void close() {
        metrics.close();
        scheduler.shutdownNow();
    }
}
