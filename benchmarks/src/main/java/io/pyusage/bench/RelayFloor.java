package io.pyusage.bench;

import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The floor under the collector's HTTP path: what remains of it when nothing is read. The same
 * stack (Vert.x HTTP servers, one per event loop, the same body handler and limit) takes the same
 * NDJSON batches and hands each line, as it came and without a key, straight from the event loop
 * to a producer with the collector's settings, answering 202 once Kafka has every line. No
 * decoding, no validation, no stamping, no buffer in front of Kafka, no metrics: every step the
 * collector adds is left out, so no collector that must check what it forwards can be faster on
 * the same machine. Run by {@link CollectorBenchmark} in a JVM of its own with the collector's heap
 * cap; not a service.
 */
public final class RelayFloor {

    static final String TOPIC = "floor";

    private RelayFloor() {
    }

    public static void main(String[] args) {
        String bootstrap = System.getenv("PYUSAGE_KAFKA_BOOTSTRAP");
        int port = Integer.parseInt(System.getenv("PYUSAGE_COLLECTOR_HTTP_PORT"));
        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024,
                ProducerConfig.BUFFER_MEMORY_CONFIG, 32L * 1024 * 1024), new StringSerializer(), new ByteArraySerializer());
        Vertx vertx = Vertx.vertx();
        vertx.deployVerticle(() -> new VerticleBase() {
            @Override
            public Future<?> start() {
                Router router = Router.router(vertx);
                router.get("/health").handler(ctx -> ctx.response().end("up"));
                router.post("/v1/startups").handler(BodyHandler.create(false).setBodyLimit(1024 * 1024));
                router.post("/v1/startups").handler(ctx -> relay(ctx, producer));
                return vertx.createHttpServer(new HttpServerOptions().setHttp2ClearTextEnabled(false))
                        .requestHandler(router).listen(port, "127.0.0.1");
            }
        }, new DeploymentOptions().setInstances(Runtime.getRuntime().availableProcessors()))
                .onFailure(error -> {
                    error.printStackTrace();
                    System.exit(1);
                });
    }

    private static void relay(RoutingContext ctx, KafkaProducer<String, byte[]> producer) {
        Buffer body = ctx.body().buffer();
        Context context = ctx.vertx().getOrCreateContext();
        // One pending count for the request itself, so acknowledgements cannot answer before every line is sent.
        AtomicInteger pending = new AtomicInteger(1);
        Runnable done = () -> {
            if (pending.decrementAndGet() == 0) {
                context.runOnContext(ignored -> ctx.response().setStatusCode(202).end());
            }
        };
        int start = 0;
        for (int i = 0; i <= body.length(); i++) {
            if (i == body.length() || body.getByte(i) == '\n') {
                if (i > start) {
                    pending.incrementAndGet();
                    producer.send(new ProducerRecord<>(TOPIC, body.getBytes(start, i)), (metadata, error) -> done.run());
                }
                start = i + 1;
            }
        }
        done.run();
    }
}
