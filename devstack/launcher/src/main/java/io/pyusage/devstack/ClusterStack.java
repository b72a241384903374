package io.pyusage.devstack;

import io.pyusage.aggregator.AggregatorConfig;
import io.pyusage.aggregator.AggregatorService;
import io.pyusage.collector.CollectorConfig;
import io.pyusage.collector.CollectorService;
import io.pyusage.common.clickhouse.ClickHouseConfig;
import io.pyusage.common.clickhouse.SchemaMigrations;
import io.pyusage.common.config.Env;
import io.pyusage.common.service.Service;
import io.pyusage.devstack.servers.EmbeddedClickHouse;
import io.pyusage.devstack.servers.EmbeddedClickHouse.ServiceUser;
import io.pyusage.devstack.servers.EmbeddedClickHouseCluster;
import io.pyusage.devstack.servers.EmbeddedKafkaCluster;
import io.pyusage.devstack.servers.PrivateFiles;
import io.pyusage.query.ApiTokens;
import io.pyusage.query.QueryApiConfig;
import io.pyusage.query.QueryApiService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded cluster ({@code ./pyusage up --cluster}): a ZooKeeper and two ClickHouse replicas of
 * one shard, three KRaft Kafka brokers, as child processes; two collectors, two aggregators (one
 * consumer group) and the query API in this JVM. Topics get replication 3 and {@code min.insync.replicas}
 * 2, the schema is replicated ({@code PYUSAGE_CLICKHOUSE_CLUSTER}), and the aggregators and the query
 * API are given both replicas. State lives under one folder; ports in {@link ClusterPorts}.
 */
public final class ClusterStack implements AutoCloseable {

    private static final String LOOPBACK = "127.0.0.1";
    private static final Duration MIGRATION_WAIT = Duration.ofMinutes(1);
    private static final Logger LOG = LoggerFactory.getLogger(ClusterStack.class);

    private final ClusterPorts ports;
    private final Path stateDir;
    private final EmbeddedKafkaCluster kafka;
    private final EmbeddedClickHouseCluster clickHouse;
    private final ServiceGroup services = new ServiceGroup();
    private final String apiToken;

    private ClusterStack(Path stateDir, ClusterPorts ports) throws Exception {
        this.ports = ports;
        this.stateDir = stateDir;
        PrivateFiles.directory(stateDir);
        this.apiToken = PrivateFiles.secret(stateDir.resolve("api-token"), ApiTokens.MIN_LENGTH);
        this.kafka = new EmbeddedKafkaCluster(stateDir.resolve("kafka"), ports.brokers(), Uuid.randomUuid().toString()).inOwnSession();
        this.clickHouse = new EmbeddedClickHouseCluster(stateDir.resolve("clickhouse"), ports.zooKeeper(), ports.replicas())
                .withServiceDatabase(DevStack.DATABASE).inOwnSession();
    }

    /** Starts everything and returns once every part answers; on any failure, stops what started. */
    public static ClusterStack start(Path stateDir, ClusterPorts ports) throws Exception {
        ClusterStack stack = new ClusterStack(stateDir, ports);
        try {
            stack.startAll();
            return stack;
        } catch (Exception e) {
            stack.close();
            throw e;
        }
    }

    private void startAll() throws Exception {
        clickHouse.start();
        kafka.start();
        Files.writeString(stateDir.resolve("launcher.pid"), Long.toString(ProcessHandle.current().pid()));
        Map<String, String> shared = new HashMap<>(Map.of(
                "PYUSAGE_KAFKA_BOOTSTRAP", kafka.bootstrapServers(),
                "PYUSAGE_KAFKA_PARTITIONS", "6",
                "PYUSAGE_AGGREGATOR_BATCH_MS", "200",
                "PYUSAGE_AGGREGATOR_MAX_BACKOFF_MS", "5000",
                "PYUSAGE_AGGREGATOR_SESSION_TIMEOUT_MS", "6000",
                "PYUSAGE_CLICKHOUSE_URL", clickHouse.urls()));
        LOG.info(SchemaMigrations.migrate(ClickHouseConfig.from(new Env(with(shared, login(ServiceUser.MIGRATE),
                        Map.of("PYUSAGE_CLICKHOUSE_CLUSTER", EmbeddedClickHouseCluster.CLUSTER)))), "the embedded cluster", MIGRATION_WAIT)
                .describe("ClickHouse database " + DevStack.DATABASE));
        for (int i = 1; i <= ClusterPorts.COLLECTORS; i++) {
            launch(new CollectorService(CollectorConfig.from(new Env(with(shared, Map.of(
                    "PYUSAGE_COLLECTOR_HOST", LOOPBACK,
                    "PYUSAGE_COLLECTOR_UDP_PORT", String.valueOf(ports.collectorUdp(i)),
                    "PYUSAGE_COLLECTOR_HTTP_PORT", String.valueOf(ports.collectorHttp(i))), Map.of())))));
        }
        Map<String, String> aggregatorLogin = new HashMap<>(login(ServiceUser.WRITER));
        EmbeddedClickHouse.Login maintenance = clickHouse.replica(0).login(ServiceUser.MAINTENANCE);
        aggregatorLogin.put("PYUSAGE_CLICKHOUSE_MAINTENANCE_USER", maintenance.user());
        aggregatorLogin.put("PYUSAGE_CLICKHOUSE_MAINTENANCE_PASSWORD", maintenance.password());
        for (int i = 1; i <= ClusterPorts.AGGREGATORS; i++) {
            launch(new AggregatorService(AggregatorConfig.from(new Env(with(shared, aggregatorLogin, Map.of(
                    "PYUSAGE_AGGREGATOR_HOST", LOOPBACK, "PYUSAGE_AGGREGATOR_HTTP_PORT", String.valueOf(ports.aggregator(i))))))));
        }
        launch(new QueryApiService(QueryApiConfig.from(new Env(with(shared, login(ServiceUser.READER), Map.of(
                "PYUSAGE_QUERY_HOST", LOOPBACK, "PYUSAGE_QUERY_HTTP_PORT", String.valueOf(ports.queryApi()),
                "PYUSAGE_QUERY_TOKENS", apiToken + "=reader"))))));
    }

    /** A service user's login to the cluster's database (every replica has the same). */
    private Map<String, String> login(ServiceUser user) {
        EmbeddedClickHouse.Login login = clickHouse.replica(0).login(user);
        return Map.of("PYUSAGE_CLICKHOUSE_DATABASE", DevStack.DATABASE, "PYUSAGE_CLICKHOUSE_USER", login.user(),
                "PYUSAGE_CLICKHOUSE_PASSWORD", login.password());
    }

    @SafeVarargs
    private static Map<String, String> with(Map<String, String> shared, Map<String, String>... more) {
        Map<String, String> variables = new HashMap<>(shared);
        for (Map<String, String> each : more) {
            variables.putAll(each);
        }
        return variables;
    }

    private void launch(Service service) throws Exception {
        services.launch(service);
    }

    public String apiToken() {
        return apiToken;
    }

    public EmbeddedKafkaCluster kafka() {
        return kafka;
    }

    public EmbeddedClickHouseCluster clickHouse() {
        return clickHouse;
    }

    public String collectorUdpEndpoint(int i) {
        return "udp://" + LOOPBACK + ":" + ports.collectorUdp(i);
    }

    public String collectorHttpUrl(int i) {
        return "http://" + LOOPBACK + ":" + ports.collectorHttp(i);
    }

    public String aggregatorUrl(int i) {
        return "http://" + LOOPBACK + ":" + ports.aggregator(i);
    }

    public String queryApiUrl() {
        return "http://" + LOOPBACK + ":" + ports.queryApi();
    }

    /** Every address, one line each, for the launcher to print. */
    public List<String> addresses() {
        List<String> lines = new ArrayList<>();
        lines.add("zookeeper 127.0.0.1:" + ports.zooKeeper());
        for (int i = 0; i < ClusterPorts.REPLICAS; i++) {
            lines.add("clickhouse replica r" + (i + 1) + " " + clickHouse.replica(i).httpUrl() + " (native " + clickHouse.replica(i).tcpPort() + ")");
        }
        for (int i = 0; i < ClusterPorts.BROKERS; i++) {
            lines.add("kafka broker " + (i + 1) + " " + kafka.broker(i).bootstrapServers());
        }
        for (int i = 1; i <= ClusterPorts.COLLECTORS; i++) {
            lines.add("collector " + i + " " + collectorUdpEndpoint(i) + ", " + collectorHttpUrl(i) + "/v1/startups");
        }
        for (int i = 1; i <= ClusterPorts.AGGREGATORS; i++) {
            lines.add("aggregator " + i + " " + aggregatorUrl(i) + "/health");
        }
        lines.add("query API " + queryApiUrl());
        return lines;
    }

    /** Stops the services in reverse order, then the servers. */
    @Override
    public void close() {
        services.close();
        kafka.close();
        clickHouse.close();
    }
}
