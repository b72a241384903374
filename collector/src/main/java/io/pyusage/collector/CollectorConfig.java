package io.pyusage.collector;

import io.pyusage.common.config.Env;
import io.pyusage.common.config.KafkaSettings;

/**
 * Collector settings, each from an environment variable.
 *
 * @param bindHost          {@code PYUSAGE_COLLECTOR_HOST}, default {@code 0.0.0.0}: address both listeners bind
 * @param udpPort           {@code PYUSAGE_COLLECTOR_UDP_PORT}, default 8514
 * @param httpPort          {@code PYUSAGE_COLLECTOR_HTTP_PORT}, default 8080 (ingestion, /health, /metrics)
 * @param maxBodyBytes      {@code PYUSAGE_COLLECTOR_MAX_BODY_BYTES}, default 1 MiB: larger HTTP bodies get 413
 * @param kafka             where records go
 * @param bufferRecords     {@code PYUSAGE_COLLECTOR_BUFFER_RECORDS}, default 100000: records waiting for
 *                          Kafka; beyond it HTTP answers 503 and UDP drops (counted)
 */
public record CollectorConfig(String bindHost, int udpPort, int httpPort, int maxBodyBytes, KafkaSettings kafka,
                              int bufferRecords) {

    public static CollectorConfig from(Env env) {
        CollectorConfig config = new CollectorConfig(
                env.string("PYUSAGE_COLLECTOR_HOST", "0.0.0.0"),
                env.port("PYUSAGE_COLLECTOR_UDP_PORT", 8514),
                env.port("PYUSAGE_COLLECTOR_HTTP_PORT", 8080),
                env.integer("PYUSAGE_COLLECTOR_MAX_BODY_BYTES", 1024 * 1024, 1024, 64 * 1024 * 1024),
                KafkaSettings.from(env),
                env.integer("PYUSAGE_COLLECTOR_BUFFER_RECORDS", 100_000, 1, 10_000_000));
        env.validate();
        return config;
    }
}
