package io.pyusage.collector;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pyusage.common.config.ServerTls;
import io.pyusage.common.service.Health;
import io.pyusage.common.service.RequestDeadline;
import io.pyusage.common.service.SecurityHeaders;
import io.pyusage.common.service.Service;
import io.pyusage.common.service.ServiceEndpoints;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running collector: UDP sockets (each read by its own thread) and HTTP servers (one per event
 * loop) in front of one Kafka publisher. {@link #start} completes only when the topic exists and every listener is bound, so
 * a bad port or an unreachable broker at start fails loudly.
 */
public final class CollectorService implements Service {

    public static final String NAME = "collector";
    private static final Logger LOG = LoggerFactory.getLogger(CollectorService.class);
    private static final double NEARLY_FULL = 0.9;

    private final CollectorConfig config;
    private final PrometheusMeterRegistry registry = ServiceEndpoints.newRegistry(NAME);
    private final KafkaPublisher publisher;
    private final UdpIngest udp;
    private final HttpIngest http;
    private String httpDeployment;
    private Vertx vertx;

    public CollectorService(CollectorConfig config) {
        this.config = config;
        this.publisher = new KafkaPublisher(config.kafka(), config.bufferRecords(), config.bufferBytes(), registry);
        IngestToken token = new IngestToken(config.ingestToken());
        this.udp = new UdpIngest(intake(UdpIngest.TRANSPORT, List.of(RecordIntake.QUEUE_FULL)), token,
                config.udpReceiveBufferBytes(), config.udpQueueBytes());
        this.http = new HttpIngest(intake(HttpIngest.TRANSPORT, List.of(RecordIntake.CROSS_SITE, RecordIntake.UNSUPPORTED_MEDIA_TYPE)), config.maxBodyBytes(), token, registry);
        Gauge.builder("pyusage_collector_udp_queued", udp, UdpIngest::queuedBytes).baseUnit("bytes")
                .description("Datagrams received and not yet decoded").register(registry);
        FunctionCounter.builder("pyusage_collector_udp_kernel_drops", this, service -> UdpKernelStats.drops(service.config.udpPort()))
                .description("Datagrams the kernel dropped on the UDP port (receive buffers full), since the sockets opened")
                .register(registry);
    }

    private RecordIntake intake(String transport, List<String> transportReasons) {
        return new RecordIntake(publisher, config.allowedSources(), new IngestMetrics(registry, transport, transportReasons));
    }

    @Override
    public Future<CollectorService> start(Vertx vertx) {
        this.vertx = vertx;
        return vertx.executeBlocking(() -> {
                    publisher.ensureTopic();
                    receiveBufferGranted(udp.listen(config.bindHost(), config.udpPort(), config.udpSockets(), config.eventLoops()));
                    return null;
                })
                // One HTTP server per event loop: each instance of the verticle gets a loop of its own.
                .compose(ignored -> vertx.deployVerticle(() -> new OnEventLoop(this::listenHttp),
                        new DeploymentOptions().setInstances(config.eventLoops())))
                .map(deployment -> {
                    httpDeployment = deployment;
                    LOG.info("collector listening on udp {}:{} ({} sockets) and {} {}:{} ({} servers); sources allowed: {}",
                            config.bindHost(), config.udpPort(), config.udpSockets(), ServerTls.scheme(config.tls()), config.bindHost(),
                            config.httpPort(), config.eventLoops(), config.allowedSources());
                    return this;
                });
    }

    private Future<?> listenHttp(Vertx vertx) {
        Router router = Router.router(vertx);
        router.route().handler(SecurityHeaders.data());
        http.mount(router);
        ServiceEndpoints.mount(router, NAME, registry, this::health);
        // HTTP/1.1 only: on a connection upgraded to cleartext HTTP/2 (which clients such as Java's
        // attempt unasked) gzip bodies reached the handler still compressed and were refused.
        HttpServer server = vertx.createHttpServer(ServerTls.apply(config.tls(),
                new HttpServerOptions().setDecompressionSupported(true).setHttp2ClearTextEnabled(false)
                        .setIdleTimeout(config.idleTimeoutSeconds())));
        return RequestDeadline.install(vertx, server, router, Duration.ofSeconds(config.requestSeconds()))
                .listen(config.httpPort(), config.bindHost());
    }

    /** Bursts of starts are lost in the kernel when it grants less than asked; say so at start. */
    private void receiveBufferGranted(int granted) {
        Gauge.builder("pyusage_collector_udp_receive_buffer", () -> granted).baseUnit("bytes")
                .description("Receive buffer the kernel granted each UDP socket").register(registry);
        long limit = UdpKernelStats.receiveBufferLimit();
        if (limit >= 0 ? limit < config.udpReceiveBufferBytes() : granted < config.udpReceiveBufferBytes()) {
            LOG.warn("the kernel limits UDP receive buffers to {} bytes, less than the {} asked for "
                            + "(PYUSAGE_COLLECTOR_UDP_RCVBUF); bursts may be dropped: as root, sysctl -w net.core.rmem_max={}",
                    limit >= 0 ? limit : granted, config.udpReceiveBufferBytes(), config.udpReceiveBufferBytes());
        }
    }

    public Health health() {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("buffered_records", publisher.bufferedRecords());
        details.put("udp_queued_datagrams", udp.queuedDatagrams());
        double fill = publisher.fillRatio();
        details.put("buffer_fill_ratio", Math.round(fill * 1000) / 1000.0);
        String problem = publisher.problem();
        if (problem != null) {
            details.put("kafka_problem", problem);
        }
        if (fill >= NEARLY_FULL) {
            details.put("buffer_problem", "buffer in front of Kafka is nearly full; new records are refused when it is");
        }
        return problem != null || fill >= NEARLY_FULL ? Health.degraded(details) : Health.up(details);
    }

    @Override
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** Stops listening, then sends what is buffered before closing the producer. */
    @Override
    public Future<Void> stop() {
        Future<Void> undeployed = httpDeployment == null ? Future.succeededFuture() : vertx.undeploy(httpDeployment);
        httpDeployment = null;
        return undeployed.compose(ignored -> vertx.executeBlocking(() -> {
            udp.close();
            publisher.close();
            return null;
        })).mapEmpty();
    }
}
