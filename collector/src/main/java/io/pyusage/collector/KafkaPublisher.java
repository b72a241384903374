package io.pyusage.collector;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.pyusage.common.config.KafkaSettings;
import io.pyusage.common.config.KafkaTopics;
import io.pyusage.common.service.KafkaClientMeters;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands encoded records to Kafka without ever blocking an event loop. {@code KafkaProducer.send}
 * can block (metadata, full producer buffer), so one dedicated sender thread calls it, fed by a
 * buffer bounded in records and in bytes. When Kafka is slow or down the buffer fills, and a full
 * buffer refuses at once, so the transports answer 503 or drop and count instead of growing
 * without bound; when Kafka is back the sender drains the buffer in arrival order.
 */
public final class KafkaPublisher implements AutoCloseable {

    /** Told once per record, on a Kafka client thread: keep it short. */
    public interface Acknowledgement {
        /** {@code error} is null when Kafka acknowledged the record (acks=all). */
        void completed(Exception error);
    }

    private static final Logger LOG = LoggerFactory.getLogger(KafkaPublisher.class);
    /** How long Kafka may leave records unacknowledged before /health says so. */
    private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final KafkaSettings settings;
    private final long maxBufferBytes;
    private final KafkaProducer<String, byte[]> producer;
    private final BlockingQueue<Pending> buffer;
    private final AtomicLong bufferedBytes = new AtomicLong();
    private final AtomicLong unacknowledged = new AtomicLong();
    private final Thread sender;
    private final KafkaClientMeters kafkaMeters;
    private final Timer sendLatency;
    private final Counter sendErrors;
    private volatile long lastAckNanos = System.nanoTime();
    private volatile String lastError;
    private volatile boolean closing;

    public KafkaPublisher(KafkaSettings settings, int bufferRecords, long bufferBytes, MeterRegistry registry) {
        this.settings = settings;
        this.maxBufferBytes = bufferBytes;
        this.buffer = new ArrayBlockingQueue<>(bufferRecords);
        this.producer = new KafkaProducer<>(settings.clientConfig(Map.of(
                // acks=all + idempotence: a record acknowledged to a client is on the broker exactly once,
                // even when the producer retries after a broker restart.
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                // lz4: cheap on CPU, and package lists repeat heavily between records (about 5:1 here).
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                // Wait up to 5 ms to fill batches under load; invisible to a Python start (UDP never waits,
                // HTTP batches are sent by the hook at exit).
                ProducerConfig.LINGER_MS_CONFIG, 5,
                // 256 KiB batches hold about 100 records of 2.5 KB each: few, large requests.
                ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024,
                ProducerConfig.BUFFER_MEMORY_CONFIG, 32L * 1024 * 1024,
                // A blocked send only blocks the sender thread; while it blocks, the buffer in front of it
                // fills and refuses new records, which is where waiting is bounded and counted.
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000,
                // Keep retrying a down broker for 10 minutes before a record is reported as failed.
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 600_000)),
                new StringSerializer(), new ByteArraySerializer());
        // The producer's own metrics (request latency, batch sizes, compression rate, errors per topic).
        this.kafkaMeters = KafkaClientMeters.bind(producer, registry);
        this.sendLatency = Timer.builder("pyusage_collector_kafka_send")
                .description("Time from entering the buffer to Kafka's acknowledgement")
                .publishPercentileHistogram().register(registry);
        this.sendErrors = Counter.builder("pyusage_collector_kafka_send_errors")
                .description("Records Kafka did not acknowledge (delivery timeout, broker refusal)").register(registry);
        Gauge.builder("pyusage_collector_buffer_records", buffer, BlockingQueue::size)
                .description("Records waiting for the Kafka sender").register(registry);
        Gauge.builder("pyusage_collector_buffer_bytes", bufferedBytes, AtomicLong::get).baseUnit("bytes")
                .description("Encoded size of the records waiting for the Kafka sender").register(registry);
        Gauge.builder("pyusage_collector_buffer_fill_ratio", this, KafkaPublisher::fillRatio)
                .description("Fill of the buffer in front of Kafka, by whichever bound is nearer (0..1)").register(registry);
        Gauge.builder("pyusage_collector_kafka_unacknowledged_records", unacknowledged, AtomicLong::get)
                .description("Records handed to the Kafka producer and not yet acknowledged").register(registry);
        this.sender = new Thread(this::drain, "kafka-sender");
        sender.setDaemon(true);
        sender.start();
    }

    /** Creates the topic if it is missing (see {@link KafkaTopics}). */
    public void ensureTopic() throws InterruptedException, ExecutionException {
        KafkaTopics.ensure(settings, settings.topic(), settings.partitions());
    }

    /**
     * Queues one encoded record keyed by host, with its headers; {@code acknowledgement} is told when Kafka has it.
     *
     * @return false, at once and without calling {@code acknowledgement}, when the buffer is full
     */
    public boolean publish(String key, byte[] value, Iterable<Header> headers, Acknowledgement acknowledgement) {
        if (closing || bufferedBytes.addAndGet(value.length) > maxBufferBytes) {
            bufferedBytes.addAndGet(-value.length);
            return false;
        }
        if (!buffer.offer(new Pending(key, value, headers, acknowledgement, System.nanoTime()))) {
            bufferedBytes.addAndGet(-value.length);
            return false;
        }
        return true;
    }

    /** One record at a time, so that what waits for a blocked send stays inside the buffer's bounds. */
    private void drain() {
        while (!closing || !buffer.isEmpty()) {
            try {
                Pending next = buffer.poll(100, TimeUnit.MILLISECONDS);
                if (next != null) {
                    send(next);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void send(Pending pending) {
        bufferedBytes.addAndGet(-pending.value.length);
        if (unacknowledged.getAndIncrement() == 0) {
            // Nothing was outstanding: the stall clock starts now, not at the last acknowledgement.
            lastAckNanos = System.nanoTime();
        }
        try {
            producer.send(new ProducerRecord<>(settings.topic(), null, pending.key, pending.value, pending.headers), (metadata, error) -> {
                unacknowledged.decrementAndGet();
                acknowledged(pending, error);
            });
        } catch (RuntimeException e) {
            unacknowledged.decrementAndGet();
            acknowledged(pending, e);
        }
    }

    private void acknowledged(Pending pending, Exception error) {
        long now = System.nanoTime();
        sendLatency.record(now - pending.enqueuedNanos, TimeUnit.NANOSECONDS);
        if (error == null) {
            lastAckNanos = now;
            lastError = null;
        } else {
            sendErrors.increment();
            lastError = error.getClass().getSimpleName() + ": " + error.getMessage();
        }
        try {
            pending.acknowledgement.completed(error);
        } catch (RuntimeException e) {
            LOG.error("acknowledgement handler failed", e);
        }
    }

    public int bufferedRecords() {
        return buffer.size();
    }

    public double fillRatio() {
        int records = buffer.size();
        double byRecords = (double) records / (records + buffer.remainingCapacity());
        return Math.max(byRecords, (double) bufferedBytes.get() / maxBufferBytes);
    }

    /**
     * Why Kafka is not keeping up, or null when it is: the last failed send (until one succeeds),
     * or records left unacknowledged for more than a few seconds (a broker down or unreachable;
     * the producer keeps retrying them).
     */
    public String problem() {
        if (lastError != null) {
            return lastError;
        }
        long stalledNanos = System.nanoTime() - lastAckNanos;
        if (unacknowledged.get() > 0 && stalledNanos > STALL_NANOS) {
            return unacknowledged.get() + " records unacknowledged by Kafka for " + TimeUnit.NANOSECONDS.toSeconds(stalledNanos) + " s";
        }
        return null;
    }

    /** Sends what is buffered, waiting up to 30 s for Kafka, then closes the producer. */
    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }

    /**
     * Stops taking records and sends what is buffered, waiting up to {@code grace} for Kafka; what
     * Kafka has not acknowledged by then is reported to its acknowledgement as failed.
     */
    public void close(Duration grace) {
        closing = true;
        try {
            sender.join(Math.max(1, grace.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // Unblocks a send waiting for metadata; the sender then fails what is left and ends.
        producer.close(grace);
        kafkaMeters.close();
    }

    private record Pending(String key, byte[] value, Iterable<Header> headers, Acknowledgement acknowledgement, long enqueuedNanos) {
    }
}
