package io.pyusage.devstack.servers;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

/**
 * A real single-node Kafka broker in KRaft combined mode (broker + controller), run in its own JVM
 * from the broker class path this module writes at build time. Its log directory survives restarts,
 * so a stopped broker can be started again on the same data (as in the failure tests).
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    private final Path dir;
    private final int port;
    private final int controllerPort;
    private ChildProcess process;
    private boolean ownSession;
    private String portSetting = "another free port";
    private String controllerPortSetting = "another free port";
    private KafkaSaslSsl saslSsl;
    private ClusterMember member;

    /**
     * This broker as one node of a KRaft cluster whose every node is also a controller.
     *
     * @param nodeId    this node's id, from 1
     * @param voters    {@code controller.quorum.voters} of the cluster: {@code id@127.0.0.1:controllerPort,...}
     * @param clusterId the cluster id every node's log directory is formatted with
     * @param nodes     how many brokers the cluster has: the internal topics' replication
     */
    record ClusterMember(int nodeId, String voters, String clusterId, int nodes) {
    }

    public EmbeddedKafka(Path dir, int port, int controllerPort) {
        this.dir = dir.toAbsolutePath();
        this.port = port;
        this.controllerPort = controllerPort;
    }

    /** Starts the broker in a session of its own (see {@link ChildProcess#start}): for a launcher run from a terminal. */
    public EmbeddedKafka inOwnSession() {
        ownSession = true;
        return this;
    }

    /**
     * Makes the client listener SASL_SSL with SCRAM (the broker's own traffic uses it too) instead of
     * plaintext; the log directory must be formatted with it, as the SCRAM logins are made then.
     */
    public EmbeddedKafka withSaslSsl(KafkaSaslSsl saslSsl) {
        this.saslSsl = saslSsl;
        return this;
    }

    /** Names the settings that choose the two ports, for the message when one is taken. */
    public EmbeddedKafka withPortSettings(String port, String controllerPort) {
        this.portSetting = port;
        this.controllerPortSetting = controllerPort;
        return this;
    }

    /** A broker on free ports in {@code dir}, for tests. */
    public static EmbeddedKafka onFreePorts(Path dir) {
        return new EmbeddedKafka(dir, FreePorts.next(), FreePorts.next());
    }

    /** The broker's process id, once started. */
    public long pid() {
        return process.pid();
    }

    /**
     * The settings that connect a service to this single broker: its address, topics of one replica,
     * and with SASL_SSL the client properties file that logs in as the services' user.
     */
    public Map<String, String> serviceSettings() {
        Map<String, String> settings = new HashMap<>(Map.of("PYUSAGE_KAFKA_BOOTSTRAP", bootstrapServers(),
                "PYUSAGE_KAFKA_REPLICATION", "1", "PYUSAGE_KAFKA_MIN_INSYNC_REPLICAS", "1"));
        if (saslSsl != null) {
            settings.put("PYUSAGE_KAFKA_CONFIG_FILE", clientPropertiesFile().toString());
        }
        return Map.copyOf(settings);
    }

    /** A client's configuration for this broker: its address, and with SASL_SSL the services' login. */
    public Map<String, Object> clientConfig() {
        Map<String, Object> config = new HashMap<>();
        if (saslSsl != null) {
            config.putAll(saslSsl.serviceClientProperties());
        }
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return config;
    }

    private Path clientPropertiesFile() {
        return dir.resolve("client.properties");
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** Makes this broker a node of a cluster (see {@link EmbeddedKafkaCluster}). */
    EmbeddedKafka asClusterMember(ClusterMember clusterMember) {
        this.member = clusterMember;
        return this;
    }

    /** Formats the log directory on first use, starts the broker and waits until it answers. */
    public synchronized EmbeddedKafka start() throws IOException, InterruptedException {
        launch();
        awaitReady();
        return this;
    }

    /** Waits until the started broker answers (a cluster's nodes answer once a majority of them runs). */
    synchronized void awaitReady() throws IOException, InterruptedException {
        Readiness.await("Kafka broker on " + bootstrapServers(), process, START_TIMEOUT, this::answers);
    }

    /** Formats the log directory on first use and starts the broker, without waiting for it. */
    synchronized void launch() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            return;
        }
        PrivateFiles.directory(dir);
        Path properties = writeServerProperties();
        if (saslSsl != null) {
            KafkaSaslSsl.writeProperties(clientPropertiesFile(), saslSsl.serviceClientProperties());
        }
        if (!Files.exists(dir.resolve("data/meta.properties"))) {
            List<String> format = new ArrayList<>(List.of("format", "--ignore-formatted",
                    "--cluster-id", member == null ? Uuid.randomUuid().toString() : member.clusterId(), "--config", properties.toString()));
            if (saslSsl != null) {
                format.addAll(saslSsl.scramCredentials());
            }
            ChildProcess.runToCompletion("kafka storage format", javaCommand("kafka.tools.StorageTool", format.toArray(String[]::new)),
                    dir, dir.resolve("format.log"), Duration.ofSeconds(60));
        }
        process = ChildProcess.start("kafka broker", javaCommand("kafka.Kafka", properties.toString()),
                properties.toString(), dir, dir.resolve("broker.log"), dir.resolve("broker.pid"), ownSession, List.of(
                        new PortCheck.NeededPort(port, PortCheck.Protocol.TCP, "Kafka broker", portSetting),
                        new PortCheck.NeededPort(controllerPort, PortCheck.Protocol.TCP, "Kafka controller", controllerPortSetting)));
    }

    /** Stops the broker gracefully; {@link #start()} brings it back on the same data. */
    public synchronized void stop() {
        process = ChildProcess.stopped(process);
    }

    /** Kills the server with SIGKILL, as a crash or a lost machine would; {@link #start()} brings it back on the same data. */
    public synchronized void kill() throws InterruptedException {
        process = ChildProcess.killed(process);
    }

    @Override
    public void close() {
        stop();
    }

    /** A plain connect first, so the admin client is not made to log connection failures while the broker boots. */
    private boolean answers() throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
        } catch (IOException e) {
            return false;
        }
        Map<String, Object> config = clientConfig();
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000);
        try (Admin admin = Admin.create(config)) {
            var cluster = admin.describeCluster();
            if (cluster.nodes().get(3, TimeUnit.SECONDS).isEmpty()) {
                return false;
            }
            String answering = cluster.clusterId().get(3, TimeUnit.SECONDS);
            String ours = clusterId();
            if (ours != null && !ours.equals(answering)) {
                throw new Readiness.NotOurServer("the broker answering on " + bootstrapServers() + " has cluster id " + answering
                        + ", not this data directory's " + ours + ": another broker holds the port");
            }
            return true;
        }
    }

    /** The cluster id the log directory was formatted with, or null before it is. */
    private String clusterId() throws IOException {
        Path meta = dir.resolve("data/meta.properties");
        if (!Files.exists(meta)) {
            return null;
        }
        Properties properties = new Properties();
        try (var in = Files.newBufferedReader(meta, StandardCharsets.UTF_8)) {
            properties.load(in);
        }
        return properties.getProperty("cluster.id");
    }

    private Path writeServerProperties() throws IOException {
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", member == null ? "1" : String.valueOf(member.nodeId()));
        p.setProperty("controller.quorum.voters", member == null ? "1@127.0.0.1:" + controllerPort : member.voters());
        String listener = saslSsl == null ? "PLAINTEXT" : "SASL_SSL";
        p.setProperty("listeners", listener + "://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.setProperty("advertised.listeners", listener + "://127.0.0.1:" + port);
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("inter.broker.listener.name", listener);
        p.setProperty("listener.security.protocol.map", listener + ":" + listener + ",CONTROLLER:PLAINTEXT");
        if (saslSsl != null) {
            saslSsl.brokerProperties().forEach(p::setProperty);
        }
        p.setProperty("log.dirs", dir.resolve("data").toString());
        // Internal topics on every node (one node: one replica), a write on two when there are more.
        String replicas = member == null ? "1" : String.valueOf(member.nodes());
        String minInSync = member == null || member.nodes() < 3 ? "1" : "2";
        p.setProperty("offsets.topic.replication.factor", replicas);
        p.setProperty("transaction.state.log.replication.factor", replicas);
        p.setProperty("transaction.state.log.min.isr", minInSync);
        p.setProperty("share.coordinator.state.topic.replication.factor", replicas);
        p.setProperty("share.coordinator.state.topic.min.isr", minInSync);
        // Consumers in tests and the demo join at once instead of waiting 3 s for more members.
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        // Topics are created by the services with explicit settings, never by accident.
        p.setProperty("auto.create.topics.enable", "false");
        Path file = dir.resolve("server.properties");
        try (var out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            p.store(out, "written by pyusage devstack");
        }
        return file;
    }

    private static List<String> javaCommand(String mainClass, String... args) {
        return JavaServers.command("1g", mainClass, args);
    }
}
