package io.pyusage.collector;

import io.pyusage.common.record.DecodeResult;
import io.pyusage.common.record.StartupRecordCodec;
import io.vertx.core.Future;

/**
 * What both transports do with one record: decode and validate it, stamp arrival time and sender,
 * publish it, and count every outcome.
 */
public final class RecordIntake {

    private final KafkaPublisher publisher;
    private final IngestMetrics metrics;

    public RecordIntake(KafkaPublisher publisher, IngestMetrics metrics) {
        this.publisher = publisher;
        this.metrics = metrics;
    }

    /** Decodes and validates; invalid records are counted as rejected here. */
    public DecodeResult decode(String transport, byte[] bytes, int offset, int length) {
        metrics.received(transport);
        DecodeResult result = StartupRecordCodec.decode(bytes, offset, length);
        if (result instanceof DecodeResult.Invalid invalid) {
            metrics.rejected(transport, invalid.reason());
        }
        return result;
    }

    /** Publishes a valid record; the future fails when the buffer is full or Kafka refused it. */
    public Future<Void> publish(String transport, DecodeResult.Valid valid, String sourceIp) {
        double now = System.currentTimeMillis() / 1000.0;
        return publisher.publish(valid.record().received(now, sourceIp))
                .onSuccess(ignored -> metrics.accepted(transport))
                .onFailure(error -> metrics.dropped(transport,
                        error instanceof KafkaPublisher.BufferFullException ? "buffer_full" : "kafka_error"));
    }
}
