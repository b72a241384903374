package io.pyusage.collector;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pyusage.common.service.Health;
import io.pyusage.common.service.Service;
import io.pyusage.common.service.ServiceEndpoints;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The running collector: UDP and HTTP listeners in front of one Kafka publisher. {@link #start}
 * completes only when the topic exists and both listeners are bound, so a bad port or an
 * unreachable broker at start fails loudly.
 */
public final class CollectorService implements Service {

    public static final String NAME = "collector";

    private final CollectorConfig config;
    private final PrometheusMeterRegistry registry = ServiceEndpoints.newRegistry(NAME);
    private final KafkaPublisher publisher;
    private final RecordIntake intake;
    private final UdpIngest udp;
    private HttpServer http;
    private Vertx vertx;

    public CollectorService(CollectorConfig config) {
        this.config = config;
        this.publisher = new KafkaPublisher(config.kafka(), config.bufferRecords(), registry);
        this.intake = new RecordIntake(publisher, new IngestMetrics(registry));
        this.udp = new UdpIngest(intake);
    }

    @Override
    public Future<CollectorService> start(Vertx vertx) {
        this.vertx = vertx;
        Router router = Router.router(vertx);
        new HttpIngest(intake).mount(router, config.maxBodyBytes());
        ServiceEndpoints.mount(router, NAME, registry, this::health);
        return vertx.executeBlocking(() -> {
                    publisher.ensureTopic();
                    return null;
                })
                .compose(ignored -> udp.listen(vertx, config.bindHost(), config.udpPort()))
                .compose(ignored -> vertx.createHttpServer(new HttpServerOptions().setDecompressionSupported(true))
                        .requestHandler(router)
                        .listen(config.httpPort(), config.bindHost()))
                .map(server -> {
                    http = server;
                    return this;
                });
    }

    public Health health() {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("buffered_records", publisher.bufferedRecords());
        String error = publisher.lastError();
        if (error != null) {
            details.put("kafka_error", error);
            return Health.degraded(details);
        }
        return Health.up(details);
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    @Override
    public Future<Void> stop() {
        Future<Void> listeners = Future.all(udp.close(), http == null ? Future.succeededFuture() : http.close()).mapEmpty();
        return listeners.compose(ignored -> vertx.executeBlocking(() -> {
            publisher.close();
            return null;
        })).mapEmpty();
    }
}
