package io.pyusage.aggregator;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pyusage.common.clickhouse.ClickHouseStore;
import io.pyusage.common.clickhouse.ClosedMonths;
import io.pyusage.common.clickhouse.ResendColumns;
import io.pyusage.common.clickhouse.SchemaCheck;
import io.pyusage.common.config.KafkaTopics;
import io.pyusage.common.service.Health;
import io.pyusage.common.service.KafkaClientMeters;
import io.pyusage.common.service.Service;
import io.pyusage.common.service.ServiceEndpoints;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.micrometer.core.instrument.Counter;
import java.nio.ByteBuffer;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteBufferDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running aggregator: schema migrations, then the consumer loop on a thread of its own, and
 * {@code /health} and {@code /metrics} over HTTP.
 */
public final class AggregatorService implements Service {

    public static final String NAME = "aggregator";
    private static final Logger LOG = LoggerFactory.getLogger(AggregatorService.class);

    private final AggregatorConfig config;
    private final PrometheusMeterRegistry registry = ServiceEndpoints.newRegistry(NAME);
    private KafkaClientMeters kafkaMeters;
    private ClickHouseStore store;
    private ClickHouseStore maintenanceStore;
    private DeadLetters deadLetters;
    private ConsumerLoop loop;
    private Thread loopThread;
    private final Promise<Void> loopEnded = Promise.promise();
    private volatile boolean stopping;
    private ScheduledExecutorService retention;
    private final Counter retentionDropped = Counter.builder("pyusage_aggregator_partitions_dropped")
            .description("Month partitions dropped by retention").register(registry);
    private final Counter retentionErrors = Counter.builder("pyusage_aggregator_retention_errors")
            .description("Retention runs that failed (retried hourly)").register(registry);
    private final Counter monthsMerged = Counter.builder("pyusage_aggregator_months_merged")
            .description("Ended months merged into one part per table").register(registry);
    private final Counter mergeErrors = Counter.builder("pyusage_aggregator_merge_errors")
            .description("Runs merging ended months that failed (retried hourly)").register(registry);
    private final Counter resendColumnsCleared = Counter.builder("pyusage_aggregator_resend_columns_cleared")
            .description("Columns of a month's starts cleared once the resend check no longer reads them").register(registry);
    private final Counter clearErrors = Counter.builder("pyusage_aggregator_clear_errors")
            .description("Runs clearing the resend columns of ended months that failed (retried hourly)").register(registry);
    private HttpServer http;
    private Vertx vertx;

    public AggregatorService(AggregatorConfig config) {
        this.config = config;
    }

    @Override
    public Future<AggregatorService> start(Vertx vertx) {
        this.vertx = vertx;
        Router router = Router.router(vertx);
        ServiceEndpoints.mount(router, NAME, registry, this::health);
        return Service.setUpThenListen(vertx, () -> {
                    SchemaCheck.require(config.clickHouse(), NAME);
                    KafkaTopics.ensure(config.kafka(), config.kafka().topic(), config.kafka().partitions());
                    KafkaTopics.ensure(config.kafka(), config.kafka().deadLetterTopic(), 1);
                    startLoop(KafkaTopics.topicId(config.kafka(), config.kafka().topic()));
                    return null;
                }, router, config.bindHost(), config.httpPort())
                .map(server -> {
                    http = server;
                    return this;
                });
    }

    /** The consumer the loop reads with; also the aggregator benchmark's floor, which reads with nothing else. */
    public static KafkaConsumer<ByteBuffer, ByteBuffer> newConsumer(AggregatorConfig config) {
        return new KafkaConsumer<>(config.kafka().clientConfig(Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, config.groupId(),
                // Offsets are committed by hand, only after ClickHouse accepted the rows they cover.
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                // A new group starts from the oldest record: nothing the collector acknowledged is skipped.
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                // A poll is decoded at once, in parallel; a thousand records keep both cores busy and bound the memory.
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Math.min(config.batchRows(), 1_000),
                // Records are ~5 KB: the default 1 MiB a partition per fetch leaves the loop waiting on the network.
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 * 1024 * 1024,
                ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 16 * 1024 * 1024,
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) config.sessionTimeout().toMillis(),
                ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int) config.sessionTimeout().toMillis() / 3)),
                // Buffers over the fetched bytes: the record bytes are not copied once more per record.
                new ByteBufferDeserializer(), new ByteBufferDeserializer());
    }

    private void startLoop(String topicId) {
        KafkaConsumer<ByteBuffer, ByteBuffer> consumer = newConsumer(config);
        kafkaMeters = KafkaClientMeters.bind(consumer, registry);
        store = new ClickHouseStore(config.clickHouse());
        maintenanceStore = new ClickHouseStore(config.maintenance());
        deadLetters = new DeadLetters(config.kafka());
        loop = new ConsumerLoop(consumer, config.kafka().topic(), topicId, new ClickHouseWriter(store), deadLetters,
                new AggregatorMetrics(registry), config);
        loopThread = new Thread(() -> {
            try {
                loop.run();
            } finally {
                loopEnded.tryComplete();
            }
        }, "aggregator-consumer");
        loopThread.start();
        retention = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "aggregator-retention");
            thread.setDaemon(true);
            return thread;
        });
        // Every aggregator runs these, harmlessly: each leaves alone what is done already (see their
        // classes). A month's partition goes within an hour of expiring; the merge of an ended month
        // comes before the clearing of its resend columns, which the merge would write again.
        retention.scheduleWithFixedDelay(() -> {
            hourly("drop expired partitions", today -> config.retention().dropExpired(maintenanceStore, today), retentionDropped, retentionErrors);
            hourly("merge the parts of ended months", today -> ClosedMonths.merge(maintenanceStore, today), monthsMerged, mergeErrors);
            hourly("clear the resend columns of ended months", today -> ResendColumns.clearSpent(maintenanceStore, today), resendColumnsCleared,
                    clearErrors);
        }, 0, 1, TimeUnit.HOURS);
    }

    /** Runs one hourly task for today (UTC), counting what it did, or its failure (it runs again in an hour). */
    private static void hourly(String what, Function<LocalDate, List<String>> task, Counter done, Counter errors) {
        try {
            done.increment(task.apply(LocalDate.now(ZoneOffset.UTC)).size());
        } catch (RuntimeException e) {
            errors.increment();
            LOG.warn("could not {}, trying again in an hour: {}", what, e.getMessage());
        }
    }

    /**
     * Completes when the consumer loop has ended: after {@link #stop()}, or on its own when an error
     * ended it (then nothing more is written, and {@link #health()} says DOWN).
     */
    public Future<Void> loopEnded() {
        return loopEnded.future();
    }

    /** Whether {@link #stop()} was called: a loop that ended before it ended on an error. */
    public boolean isStopping() {
        return stopping;
    }

    public Health health() {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("paused", loop != null && loop.isPaused());
        if (store != null) {
            details.put("clickhouse_replica", store.currentReplica().toString());
        }
        String error = loop == null ? null : loop.lastError();
        if (error != null) {
            details.put("error", error);
        }
        if (loopThread != null && !loopThread.isAlive()) {
            return new Health(Health.Status.DOWN, details);
        }
        return error == null && !(loop != null && loop.isPaused()) ? Health.up(details) : Health.degraded(details);
    }

    @Override
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    @Override
    public Future<Void> stop() {
        stopping = true;
        return Service.closeThenTearDown(vertx, http, () -> {
            if (loop != null) {
                retention.shutdownNow();
                loop.stop();
                loopThread.join(60_000);
                deadLetters.close();
                store.close();
                maintenanceStore.close();
                kafkaMeters.close();
            }
            return null;
        });
    }
}
