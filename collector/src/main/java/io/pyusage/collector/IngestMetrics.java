package io.pyusage.collector;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** The collector's own counters, tagged by transport ({@code udp}, {@code http}) and reason. */
public final class IngestMetrics {

    private final MeterRegistry registry;

    public IngestMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void received(String transport) {
        counter("pyusage_collector_received", "Records received, valid or not", transport, null).increment();
    }

    public void accepted(String transport) {
        counter("pyusage_collector_accepted", "Records acknowledged by Kafka", transport, null).increment();
    }

    /** Invalid input: the sender is told (HTTP) or it is only counted (UDP). */
    public void rejected(String transport, String reason) {
        counter("pyusage_collector_rejected", "Records refused as invalid, by reason", transport, reason).increment();
    }

    /** Valid input lost on our side: a full buffer, a Kafka failure, a sender not on the allow-list. */
    public void dropped(String transport, String reason) {
        counter("pyusage_collector_dropped", "Valid records not delivered, by reason", transport, reason).increment();
    }

    private Counter counter(String name, String description, String transport, String reason) {
        Counter.Builder builder = Counter.builder(name).description(description).tag("transport", transport);
        if (reason != null) {
            builder.tag("reason", reason);
        }
        return builder.register(registry);
    }
}
