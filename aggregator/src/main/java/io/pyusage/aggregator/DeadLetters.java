package io.pyusage.aggregator;

import io.pyusage.common.config.KafkaSettings;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Utils;

/**
 * Keeps what the aggregator cannot store in the dead-letter topic, with the reason and its origin in
 * headers: records that fail the schema (unchanged) and rows ClickHouse refused (as JSON). Sends
 * start at once and are confirmed before the offset that skips them is committed; a send that failed
 * (Kafka away) is made again on the next {@link #deliver}, so the batch waits rather than loses them.
 */
final class DeadLetters implements AutoCloseable {

    static final String REASON_HEADER = "pyusage.reason";
    static final String ERROR_HEADER = "pyusage.error";
    static final String ORIGIN_HEADER = "pyusage.origin";
    /** The reason of a row that passed the schema but that ClickHouse refused. */
    static final String CLICKHOUSE_REJECTED = "clickhouse_rejected";

    private final String topic;
    private final KafkaProducer<byte[], byte[]> producer;

    DeadLetters(KafkaSettings settings) {
        this.topic = settings.deadLetterTopic();
        this.producer = new KafkaProducer<>(settings.clientConfig(Map.of(
                // The dead-letter copy is the only copy once the offset is committed: no loss, no doubles.
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                // With Kafka away, a send fails after this instead of holding the consumer loop for a minute.
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000)),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Starts sending a record that failed the schema; {@link #deliver} confirms it. */
    Letter send(ConsumerRecord<ByteBuffer, ByteBuffer> record, String reason, String error) {
        // Copied: the letter outlives the fetched data the consumer's buffers point into.
        ProducerRecord<byte[], byte[]> message = new ProducerRecord<>(topic, null, Utils.toNullableArray(record.key()),
                Utils.toNullableArray(record.value()));
        Letter letter = new Letter(withHeaders(message, reason, error, record.topic() + "/" + record.partition() + "/" + record.offset()));
        letter.send(producer);
        return letter;
    }

    /** Sends a row ClickHouse refused, as JSON, and waits for it: the rows after it are written only then. */
    void sendRejectedRow(TableLayout table, byte[] row, String error) {
        Letter letter = new Letter(withHeaders(new ProducerRecord<>(topic, null, null, table.readable(row)), CLICKHOUSE_REJECTED, error,
                "table " + table.table()));
        letter.send(producer);
        deliver(List.of(letter));
    }

    /** Returns once every letter is in the topic; sends again those whose send failed. */
    void deliver(List<Letter> letters) {
        DeliveryException failure = null;
        for (Letter letter : letters) {
            if (letter.failed()) {
                letter.send(producer);
            }
        }
        for (Letter letter : letters) {
            try {
                letter.await();
            } catch (DeliveryException e) {
                failure = e;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static ProducerRecord<byte[], byte[]> withHeaders(ProducerRecord<byte[], byte[]> message, String reason, String error,
                                                             String origin) {
        message.headers().add(REASON_HEADER, reason.getBytes(StandardCharsets.UTF_8));
        message.headers().add(ERROR_HEADER, error.getBytes(StandardCharsets.UTF_8));
        message.headers().add(ORIGIN_HEADER, origin.getBytes(StandardCharsets.UTF_8));
        return message;
    }

    @Override
    public void close() {
        producer.close();
    }

    /** One dead letter and its send, which may have to be made again. */
    static final class Letter {
        private final ProducerRecord<byte[], byte[]> message;
        private Future<RecordMetadata> sent;
        private boolean confirmed;

        Letter(ProducerRecord<byte[], byte[]> message) {
            this.message = message;
        }

        private void send(KafkaProducer<byte[], byte[]> producer) {
            try {
                sent = producer.send(message);
            } catch (RuntimeException e) {
                sent = null;
            }
        }

        private boolean failed() {
            if (confirmed) {
                return false;
            }
            if (sent == null) {
                return true;
            }
            if (!sent.isDone()) {
                return false;
            }
            try {
                sent.get();
                return false;
            } catch (ExecutionException | InterruptedException e) {
                return true;
            }
        }

        private void await() {
            if (confirmed) {
                return;
            }
            try {
                if (sent == null) {
                    throw new DeliveryException("dead letter not sent: Kafka was not reachable", null);
                }
                sent.get(60, TimeUnit.SECONDS);
                confirmed = true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DeliveryException("interrupted while sending a dead letter", e);
            } catch (ExecutionException | TimeoutException e) {
                sent = null;
                throw new DeliveryException("dead letter not confirmed: " + e.getMessage(), e);
            }
        }
    }

    /** The dead-letter topic could not take a letter now; the batch is retried later. */
    static final class DeliveryException extends RuntimeException {
        DeliveryException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
