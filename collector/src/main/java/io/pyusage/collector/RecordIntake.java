package io.pyusage.collector;

import io.pyusage.common.record.CheckedPackagesHeaders;
import io.pyusage.common.record.DecodeResult;
import io.pyusage.common.record.StartupRecordCodec;

/**
 * What a transport does with each record: check the sender, decode and validate, stamp arrival
 * time and sender, hand it to Kafka, and count every outcome. One per transport.
 */
public final class RecordIntake {

    static final String SOURCE_NOT_ALLOWED = "source_not_allowed";
    static final String BUFFER_FULL = "buffer_full";
    static final String KAFKA_ERROR = "kafka_error";
    static final String UNAUTHORIZED = "unauthorized";
    static final String QUEUE_FULL = "udp_queue_full";
    static final String CROSS_SITE = "cross_site";
    static final String UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type";

    private final KafkaPublisher publisher;
    private final SourceAllowList allowedSources;
    private final IngestMetrics metrics;

    public RecordIntake(KafkaPublisher publisher, SourceAllowList allowedSources, IngestMetrics metrics) {
        this.publisher = publisher;
        this.allowedSources = allowedSources;
        this.metrics = metrics;
    }

    /** False (counted as dropped) when the sender is outside the allow-list. */
    public boolean allowed(String sourceIp) {
        if (allowedSources.allows(sourceIp)) {
            return true;
        }
        metrics.dropped(SOURCE_NOT_ALLOWED);
        return false;
    }

    /** False (counted as dropped) when a required token is missing or wrong. */
    public boolean authorized(boolean admitted) {
        if (!admitted) {
            metrics.dropped(UNAUTHORIZED);
        }
        return admitted;
    }

    /** Counts a request refused before its body was read ({@link #CROSS_SITE}, {@link #UNSUPPORTED_MEDIA_TYPE}). */
    public void refused(String reason) {
        metrics.dropped(reason);
    }

    /** Counts a record received and dropped before it could be decoded ({@link #QUEUE_FULL}). */
    public void droppedUndecoded(String reason) {
        metrics.received();
        metrics.dropped(reason);
    }

    /** Decodes and validates; invalid records are counted as rejected here. */
    public DecodeResult decode(byte[] bytes, int offset, int length) {
        metrics.received();
        DecodeResult result = StartupRecordCodec.decodeFromSender(bytes, offset, length);
        if (result instanceof DecodeResult.Invalid invalid) {
            metrics.rejected(invalid.reason());
        }
        return result;
    }

    /**
     * Stamps and queues a valid record (decoded from {@code bytes[offset, offset + length)}) for
     * Kafka, keyed by host so one host's starts stay in order, with the fingerprint of its checked
     * package list in its headers (so the aggregator need not read the list again).
     *
     * @return false (counted as dropped) when the buffer in front of Kafka is full; then
     *         {@code acknowledgement} is never called
     */
    public boolean publish(DecodeResult.Valid valid, byte[] bytes, int offset, int length, String sourceIp,
                           KafkaPublisher.Acknowledgement acknowledgement) {
        StartupRecordCodec.Received stamped = StartupRecordCodec.encodeReceived(valid, bytes, offset, length,
                System.currentTimeMillis() / 1000.0, sourceIp);
        boolean queued = publisher.publish(valid.host(), stamped.bytes(), CheckedPackagesHeaders.of(valid, stamped), error -> {
            if (error == null) {
                metrics.accepted();
            } else {
                metrics.dropped(KAFKA_ERROR);
            }
            acknowledgement.completed(error);
        });
        if (!queued) {
            metrics.dropped(BUFFER_FULL);
        }
        return queued;
    }
}
