package io.pyusage.aggregator;

import io.pyusage.common.config.KafkaSettings;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Keeps records the aggregator cannot store in the dead-letter topic, unchanged, with the reason and
 * their origin in headers. A send is confirmed before the offset that skips the record is committed.
 */
final class DeadLetters implements AutoCloseable {

    static final String REASON_HEADER = "pyusage.reason";
    static final String ERROR_HEADER = "pyusage.error";
    static final String ORIGIN_HEADER = "pyusage.origin";

    private final String topic;
    private final KafkaProducer<byte[], byte[]> producer;

    DeadLetters(KafkaSettings settings) {
        this.topic = settings.deadLetterTopic();
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers(),
                // The dead-letter copy is the only copy once the offset is committed: no loss, no doubles.
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    String topic() {
        return topic;
    }

    void send(ConsumerRecord<String, byte[]> record, String reason, String error)
            throws InterruptedException, ExecutionException, TimeoutException {
        ProducerRecord<byte[], byte[]> letter = new ProducerRecord<>(topic, null,
                record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8), record.value());
        letter.headers().add(REASON_HEADER, reason.getBytes(StandardCharsets.UTF_8));
        letter.headers().add(ERROR_HEADER, error.getBytes(StandardCharsets.UTF_8));
        letter.headers().add(ORIGIN_HEADER, (record.topic() + "/" + record.partition() + "/" + record.offset())
                .getBytes(StandardCharsets.UTF_8));
        producer.send(letter).get(60, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        producer.close();
    }
}
