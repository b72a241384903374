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
import io.pyusage.devstack.servers.EmbeddedKafka;
import io.pyusage.devstack.servers.KafkaSaslSsl;
import io.pyusage.devstack.servers.PrivateFiles;
import io.pyusage.devstack.servers.PortCheck;
import io.pyusage.query.ApiTokens;
import io.pyusage.query.QueryApiConfig;
import io.pyusage.query.QueryApiService;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded default: a real Kafka broker and a real ClickHouse server as child processes, and the
 * collector, aggregator and query API in this JVM, all on loopback. State lives under one folder.
 */
public final class DevStack implements AutoCloseable {

    private static final String LOOPBACK = "127.0.0.1";
    /** The database of the embedded default, the only one its service users may reach. */
    public static final String DATABASE = "pyusage";
    private static final Duration MIGRATION_WAIT = Duration.ofMinutes(1);
    private static final Logger LOG = LoggerFactory.getLogger(DevStack.class);

    private final DevStackPorts ports;
    private final EmbeddedKafka kafka;
    private final EmbeddedClickHouse clickHouse;
    private final ServiceGroup services = new ServiceGroup();
    private final String apiToken;
    private final Map<String, String> settings;

    private DevStack(Path stateDir, DevStackPorts ports, Map<String, String> settings, boolean kafkaSaslSsl)
            throws IOException, InterruptedException {
        this.ports = ports;
        this.settings = Map.copyOf(settings);
        PrivateFiles.directory(stateDir);
        this.apiToken = readerToken(stateDir.resolve("api-token"));
        // Servers in sessions of their own: a Ctrl-C stops the services first, then them (see close()).
        this.kafka = new EmbeddedKafka(stateDir.resolve("kafka"), ports.kafka(), ports.kafkaController()).inOwnSession()
                .withPortSettings("PYUSAGE_DEVSTACK_KAFKA_PORT", "PYUSAGE_DEVSTACK_KAFKA_CONTROLLER_PORT");
        if (kafkaSaslSsl) {
            kafka.withSaslSsl(KafkaSaslSsl.in(stateDir.resolve("kafka-tls")));
        }
        this.clickHouse = new EmbeddedClickHouse(stateDir.resolve("clickhouse"), ports.clickHouseHttp(), ports.clickHouseTcp()).inOwnSession()
                .withServiceDatabase(DATABASE)
                .withPortSettings("PYUSAGE_DEVSTACK_CLICKHOUSE_HTTP_PORT", "PYUSAGE_DEVSTACK_CLICKHOUSE_TCP_PORT");
    }

    /** The demo's reader token for the query API, made once and kept in {@code api-token} (owner-only) under the state dir. */
    private static String readerToken(Path file) throws IOException {
        return PrivateFiles.secret(file, ApiTokens.MIN_LENGTH);
    }

    /** The query API's reader token (also in {@code api-token} under the state dir). */
    public String apiToken() {
        return apiToken;
    }

    /** Starts everything and returns once every part answers; on any failure, stops what started. */
    public static DevStack start(Path stateDir, DevStackPorts ports) throws Exception {
        return start(stateDir, ports, Map.of());
    }

    /** As {@link #start(Path, DevStackPorts)}, with further service settings (a token, TLS files) over the defaults. */
    public static DevStack start(Path stateDir, DevStackPorts ports, Map<String, String> settings) throws Exception {
        return start(new DevStack(stateDir, ports, settings, false));
    }

    /**
     * As {@link #start(Path, DevStackPorts, Map)} with a broker that speaks only SASL_SSL (SCRAM): the
     * services log in with the client properties file the broker's directory holds.
     */
    public static DevStack startWithKafkaSaslSsl(Path stateDir, DevStackPorts ports, Map<String, String> settings) throws Exception {
        return start(new DevStack(stateDir, ports, settings, true));
    }

    private static DevStack start(DevStack stack) throws Exception {
        try {
            stack.startAll();
            return stack;
        } catch (Exception e) {
            stack.close();
            throw e;
        }
    }

    private void startAll() throws Exception {
        // The services' own ports first: a taken one fails the start before any server is started.
        PortCheck.requireFree(List.of(
                new PortCheck.NeededPort(ports.collectorUdp(), PortCheck.Protocol.UDP, "collector (UDP)", "PYUSAGE_COLLECTOR_UDP_PORT"),
                new PortCheck.NeededPort(ports.collectorHttp(), PortCheck.Protocol.TCP, "collector (HTTP)", "PYUSAGE_COLLECTOR_HTTP_PORT"),
                new PortCheck.NeededPort(ports.aggregator(), PortCheck.Protocol.TCP, "aggregator", "PYUSAGE_AGGREGATOR_HTTP_PORT"),
                new PortCheck.NeededPort(ports.queryApi(), PortCheck.Protocol.TCP, "query API", "PYUSAGE_QUERY_HTTP_PORT")));
        kafka.start();
        clickHouse.start();
        // Configured the way an operator would: through the services' environment variables.
        Map<String, String> variables = new HashMap<>(kafka.serviceSettings());
        variables.putAll(Map.ofEntries(
                Map.entry("PYUSAGE_KAFKA_PARTITIONS", "3"),
                Map.entry("PYUSAGE_COLLECTOR_HOST", LOOPBACK),
                Map.entry("PYUSAGE_COLLECTOR_UDP_PORT", String.valueOf(ports.collectorUdp())),
                Map.entry("PYUSAGE_COLLECTOR_HTTP_PORT", String.valueOf(ports.collectorHttp())),
                Map.entry("PYUSAGE_AGGREGATOR_HOST", LOOPBACK),
                Map.entry("PYUSAGE_AGGREGATOR_HTTP_PORT", String.valueOf(ports.aggregator())),
                // Short batches: the demo wants its few starts visible at once, not after a full second.
                Map.entry("PYUSAGE_AGGREGATOR_BATCH_MS", "200"),
                Map.entry("PYUSAGE_AGGREGATOR_MAX_BACKOFF_MS", "5000"),
                Map.entry("PYUSAGE_QUERY_HOST", LOOPBACK),
                Map.entry("PYUSAGE_QUERY_HTTP_PORT", String.valueOf(ports.queryApi())),
                Map.entry("PYUSAGE_QUERY_TOKENS", apiToken + "=reader")));
        variables.putAll(settings);
        // The schema first, as its own step with the one user that may change it; each service then logs in as its own user.
        LOG.info(SchemaMigrations.migrate(ClickHouseConfig.from(new Env(withClickHouse(variables, clickHouse.serviceSettings(ServiceUser.MIGRATE, DATABASE)))),
                "the embedded default", MIGRATION_WAIT).describe("ClickHouse database " + DATABASE));
        launch(new CollectorService(CollectorConfig.from(new Env(variables))));
        launch(new AggregatorService(AggregatorConfig.from(new Env(withClickHouse(variables, clickHouse.aggregatorSettings(DATABASE))))));
        launch(new QueryApiService(QueryApiConfig.from(new Env(withClickHouse(variables, clickHouse.serviceSettings(ServiceUser.READER, DATABASE))))));
    }

    /** The shared settings with one service's ClickHouse login (settings given to the stack still win). */
    private Map<String, String> withClickHouse(Map<String, String> shared, Map<String, String> login) {
        Map<String, String> variables = new HashMap<>(shared);
        variables.putAll(login);
        variables.putAll(settings);
        return variables;
    }

    private void launch(Service service) throws Exception {
        services.launch(service);
    }

    public String collectorUdpEndpoint() {
        return "udp://" + LOOPBACK + ":" + ports.collectorUdp();
    }

    public String collectorHttpUrl() {
        return scheme("PYUSAGE_COLLECTOR") + "://" + LOOPBACK + ":" + ports.collectorHttp();
    }

    public String queryApiUrl() {
        return scheme("PYUSAGE_QUERY") + "://" + LOOPBACK + ":" + ports.queryApi();
    }

    private String scheme(String prefix) {
        return settings.containsKey(prefix + "_TLS_CERT") ? "https" : "http";
    }

    public String aggregatorUrl() {
        return "http://" + LOOPBACK + ":" + ports.aggregator();
    }

    public EmbeddedKafka kafka() {
        return kafka;
    }

    public EmbeddedClickHouse clickHouse() {
        return clickHouse;
    }

    /** Stops the services in reverse order, then the servers. */
    @Override
    public void close() {
        services.close();
        clickHouse.close();
        kafka.close();
    }
}
