package io.pyusage.collector;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.pyusage.common.config.KafkaSettings;
import io.pyusage.common.config.KafkaTopics;
import io.pyusage.common.record.StartupRecord;
import io.pyusage.common.record.StartupRecordCodec;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Hands records to Kafka without ever blocking an event loop. {@code KafkaProducer.send} can block
 * (metadata, full buffer), so sends run on one dedicated thread fed by a bounded queue: when Kafka
 * is slow the queue fills, and a full queue is refused at once ({@link BufferFullException}) so the
 * transports can answer 503 or drop and count, instead of growing without bound.
 */
public final class KafkaPublisher implements AutoCloseable {

    private final KafkaSettings settings;
    private final KafkaProducer<String, byte[]> producer;
    private final ThreadPoolExecutor sender;
    private final Timer sendLatency;
    private final AtomicLong sendErrors = new AtomicLong();
    private volatile String lastError;

    public KafkaPublisher(KafkaSettings settings, int bufferRecords, MeterRegistry registry) {
        this.settings = settings;
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers(),
                // acks=all + idempotence: a record acknowledged to a client is on the broker exactly once,
                // even when the producer retries after a broker restart.
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                // lz4: cheap on CPU, and package lists repeat heavily between records.
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                // Small wait to fill batches under load; invisible to a Python start (UDP never waits).
                ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024,
                // A blocked send only blocks the sender thread; keep it short so the queue, not the
                // producer, is where records wait and are counted.
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000,
                // Keep retrying a down broker for 10 minutes before a record is reported as failed.
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 600_000),
                new StringSerializer(), new ByteArraySerializer());
        this.sender = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(bufferRecords),
                runnable -> {
                    Thread thread = new Thread(runnable, "kafka-sender");
                    thread.setDaemon(true);
                    return thread;
                });
        this.sendLatency = Timer.builder("pyusage_collector_kafka_send").description("Time from hand-over to Kafka acknowledgement")
                .publishPercentileHistogram().register(registry);
        registry.gauge("pyusage_collector_buffer_records", sender.getQueue(), java.util.Collection::size);
        registry.more().counter("pyusage_collector_kafka_send_errors", List.of(), sendErrors);
    }

    /** Creates the topic with the configured partition count if it does not exist yet. */
    public void ensureTopic() throws InterruptedException, ExecutionException, TimeoutException {
        KafkaTopics.ensure(settings, settings.topic(), settings.partitions());
    }

    /** Completes when Kafka has acknowledged the record; fails at once with {@link BufferFullException} when full. */
    public Future<Void> publish(StartupRecord record) {
        Promise<Void> promise = Promise.promise();
        ProducerRecord<String, byte[]> message = new ProducerRecord<>(settings.topic(), record.host(),
                StartupRecordCodec.encode(record));
        long start = System.nanoTime();
        try {
            sender.execute(() -> {
                try {
                    producer.send(message, (metadata, error) -> {
                        sendLatency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                        if (error == null) {
                            lastError = null;
                            promise.complete();
                        } else {
                            fail(promise, error);
                        }
                    });
                } catch (RuntimeException e) {
                    fail(promise, e);
                }
            });
        } catch (RejectedExecutionException e) {
            promise.fail(new BufferFullException());
        }
        return promise.future();
    }

    public int bufferedRecords() {
        return sender.getQueue().size();
    }

    /** The last send failure if no send has succeeded since, else null; for /health. */
    public String lastError() {
        return lastError;
    }

    private void fail(Promise<Void> promise, Exception error) {
        sendErrors.incrementAndGet();
        lastError = error.getClass().getSimpleName() + ": " + error.getMessage();
        promise.fail(error);
    }

    @Override
    public void close() {
        sender.shutdown();
        try {
            sender.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(java.time.Duration.ofSeconds(30));
    }

    /** The bounded queue in front of Kafka is full. */
    public static final class BufferFullException extends RuntimeException {
        BufferFullException() {
            super("collector buffer is full; Kafka is slow or unreachable", null, false, false);
        }
    }
}
