package io.pyusage.collector;

import io.pyusage.common.config.Env;
import io.pyusage.common.config.KafkaSettings;
import io.pyusage.common.config.ServerTls;
import java.util.Optional;

/**
 * Collector settings, each from an environment variable.
 *
 * @param bindHost           {@code PYUSAGE_COLLECTOR_HOST}, default {@code 0.0.0.0}: address both listeners bind
 * @param udpPort            {@code PYUSAGE_COLLECTOR_UDP_PORT}, default 8514
 * @param eventLoops         {@code PYUSAGE_COLLECTOR_EVENT_LOOPS}, default the number of CPUs: HTTP servers (each on
 *                           its own event loop) and UDP decoder threads, so that parsing uses every core
 * @param udpReceiveBufferBytes {@code PYUSAGE_COLLECTOR_UDP_RCVBUF}, default 8 MiB per socket: room for bursts of
 *                           starts; the log warns when the kernel grants less ({@code net.core.rmem_max})
 * @param httpPort           {@code PYUSAGE_COLLECTOR_HTTP_PORT}, default 8080 (ingestion, /health, /metrics)
 * @param maxBodyBytes       {@code PYUSAGE_COLLECTOR_MAX_BODY_BYTES}, default 1 MiB: larger HTTP bodies get 413
 * @param kafka              where records go
 * @param bufferRecords      {@code PYUSAGE_COLLECTOR_BUFFER_RECORDS}, default 100000: records waiting for Kafka
 * @param bufferBytes        {@code PYUSAGE_COLLECTOR_BUFFER_BYTES}, default 64 MiB: their encoded size; beyond either
 *                           bound HTTP answers 503 and UDP drops (counted)
 * @param allowedSources     {@code PYUSAGE_COLLECTOR_ALLOWED_SOURCES}, default empty (anyone): CIDR blocks records
 *                           may come from, for both transports; others are dropped and counted (HTTP: 403)
 * @param ingestToken        {@code PYUSAGE_COLLECTOR_TOKEN}, default none: when set, HTTP ingestion needs
 *                           {@code Authorization: Bearer <token>} (401 without) and a datagram a first line
 *                           {@code Bearer <token>} (dropped without); both are counted as {@code unauthorized}
 * @param udpQueueBytes      {@code PYUSAGE_COLLECTOR_UDP_QUEUE_BYTES}, default 64 MiB: datagrams received and not yet
 *                           decoded; beyond it datagrams are dropped and counted as {@code udp_queue_full}
 * @param udpSockets         {@code PYUSAGE_COLLECTOR_UDP_SOCKETS}, default the number of CPUs but at least 4: sockets
 *                           sharing the UDP port, each with its own receive buffer and reading thread; the kernel
 *                           spreads senders across them, so together they hold a larger burst
 * @param idleTimeoutSeconds {@code PYUSAGE_COLLECTOR_IDLE_TIMEOUT_SECONDS}, default 30: an HTTP connection on which
 *                           nothing is sent or received for this long is closed (half-sent requests included)
 * @param requestSeconds     {@code PYUSAGE_COLLECTOR_REQUEST_SECONDS}, default 10: a request must arrive whole, headers
 *                           and body, this soon after its connection opened or its previous answer was sent
 *                           (see {@link io.pyusage.common.service.RequestDeadline})
 * @param tls                {@code PYUSAGE_COLLECTOR_TLS_CERT} / {@code _TLS_KEY}, default none: PEM files with which
 *                           the HTTP listener speaks HTTPS only
 */
public record CollectorConfig(String bindHost, int udpPort, int eventLoops, int udpReceiveBufferBytes, int httpPort,
                              int maxBodyBytes, KafkaSettings kafka, int bufferRecords, long bufferBytes,
                              SourceAllowList allowedSources, Optional<String> ingestToken, long udpQueueBytes,
                              int udpSockets, int idleTimeoutSeconds, int requestSeconds, Optional<ServerTls> tls) {

    public static CollectorConfig from(Env env) {
        CollectorConfig config = new CollectorConfig(
                env.string("PYUSAGE_COLLECTOR_HOST", "0.0.0.0"),
                env.port("PYUSAGE_COLLECTOR_UDP_PORT", 8514),
                env.integer("PYUSAGE_COLLECTOR_EVENT_LOOPS", Runtime.getRuntime().availableProcessors(), 1, 64),
                env.integer("PYUSAGE_COLLECTOR_UDP_RCVBUF", 8 * 1024 * 1024, 64 * 1024, 1024 * 1024 * 1024),
                env.port("PYUSAGE_COLLECTOR_HTTP_PORT", 8080),
                env.integer("PYUSAGE_COLLECTOR_MAX_BODY_BYTES", 1024 * 1024, 1024, 64 * 1024 * 1024),
                KafkaSettings.from(env),
                env.integer("PYUSAGE_COLLECTOR_BUFFER_RECORDS", 100_000, 1, 10_000_000),
                env.integer("PYUSAGE_COLLECTOR_BUFFER_BYTES", 64 * 1024 * 1024, 64 * 1024, Integer.MAX_VALUE),
                env.parsed("PYUSAGE_COLLECTOR_ALLOWED_SOURCES", "", SourceAllowList::parse),
                Optional.ofNullable(env.string("PYUSAGE_COLLECTOR_TOKEN", null)),
                env.integer("PYUSAGE_COLLECTOR_UDP_QUEUE_BYTES", 64 * 1024 * 1024, 64 * 1024, Integer.MAX_VALUE),
                env.integer("PYUSAGE_COLLECTOR_UDP_SOCKETS", Math.max(4, Runtime.getRuntime().availableProcessors()), 1, 64),
                env.integer("PYUSAGE_COLLECTOR_IDLE_TIMEOUT_SECONDS", 30, 1, 3600),
                env.integer("PYUSAGE_COLLECTOR_REQUEST_SECONDS", 10, 1, 3600),
                ServerTls.from(env, "PYUSAGE_COLLECTOR"));
        config.ingestToken.ifPresent(token -> env.require(token.length() >= 16,
                "PYUSAGE_COLLECTOR_TOKEN is shorter than 16 characters"));
        env.validate();
        return config;
    }
}
