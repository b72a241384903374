package io.pyusage.collector;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.pyusage.common.record.DecodeResult;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One transport's record counters ({@code transport} tag {@code udp} or {@code http}). Every record
 * received ends as exactly one of accepted, rejected (invalid; by reason) or dropped (valid but not
 * delivered; by reason), so {@code received = accepted + rejected + dropped} once Kafka has answered.
 */
public final class IngestMetrics {

    private final MeterRegistry registry;
    private final String transport;
    private final Counter received;
    private final Counter accepted;
    private final Map<String, Counter> rejected = new ConcurrentHashMap<>();
    private final Map<String, Counter> dropped = new ConcurrentHashMap<>();

    /** {@code transportReasons}: drop reasons only this transport has, registered at zero from the start. */
    public IngestMetrics(MeterRegistry registry, String transport, List<String> transportReasons) {
        this.registry = registry;
        this.transport = transport;
        this.received = Counter.builder("pyusage_collector_received").description("Records received, valid or not")
                .tag("transport", transport).register(registry);
        this.accepted = Counter.builder("pyusage_collector_accepted").description("Records acknowledged by Kafka")
                .tag("transport", transport).register(registry);
        // Every known reason from the start, at zero: rate() and alerts need a series before the first event.
        for (String reason : DecodeResult.Invalid.REASONS) {
            rejectedCounter(reason);
        }
        for (String reason : List.of(RecordIntake.BUFFER_FULL, RecordIntake.KAFKA_ERROR, RecordIntake.SOURCE_NOT_ALLOWED,
                RecordIntake.UNAUTHORIZED)) {
            droppedCounter(reason);
        }
        transportReasons.forEach(this::droppedCounter);
    }

    public void received() {
        received.increment();
    }

    public void accepted() {
        accepted.increment();
    }

    /** Invalid input ({@code malformed_json}, {@code schema}, {@code too_large}): HTTP names it, UDP only counts it. */
    public void rejected(String reason) {
        rejectedCounter(reason).increment();
    }

    /**
     * Input not delivered: {@code buffer_full}, {@code kafka_error}, {@code source_not_allowed},
     * {@code unauthorized} (a request or datagram without the token), {@code udp_queue_full}.
     */
    public void dropped(String reason) {
        droppedCounter(reason).increment();
    }

    private Counter rejectedCounter(String reason) {
        return rejected.computeIfAbsent(reason, r -> Counter.builder("pyusage_collector_rejected")
                .description("Records refused as invalid, by reason").tag("transport", transport).tag("reason", r)
                .register(registry));
    }

    private Counter droppedCounter(String reason) {
        return dropped.computeIfAbsent(reason, r -> Counter.builder("pyusage_collector_dropped")
                .description("Records not delivered, by reason").tag("transport", transport).tag("reason", r)
                .register(registry));
    }
}
