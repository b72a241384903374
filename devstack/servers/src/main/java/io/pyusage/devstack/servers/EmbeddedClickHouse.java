package io.pyusage.devstack.servers;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A real ClickHouse server (the Debian package's binary) run as a child process with a config, data
 * folder and ports of its own, so it needs no root and never touches a system-wide installation.
 */
public final class EmbeddedClickHouse implements AutoCloseable {

    /** Where Debian's {@code clickhouse-server} package puts the server; {@code PYUSAGE_CLICKHOUSE_SERVER} overrides. */
    public static final String DEFAULT_BINARY = "/usr/sbin/clickhouse-server";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Path dir;
    private final int httpPort;
    private final int tcpPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private ChildProcess process;
    private String password;
    private Tls https;

    /**
     * This server as one replica of a one-shard cluster coordinated by a ZooKeeper on loopback.
     *
     * @param cluster         the cluster's name in {@code remote_servers}, what {@code PYUSAGE_CLICKHOUSE_CLUSTER} names
     * @param replica         this server's {@code {replica}} macro (the shard's is {@code 01})
     * @param zooKeeperPort   the ZooKeeper's client port
     * @param interserverPort the port other replicas fetch this one's parts from
     * @param replicaTcpPorts the native ports of every replica of the shard, this one's among them
     */
    public record Replication(String cluster, String replica, int zooKeeperPort, int interserverPort, List<Integer> replicaTcpPorts) {
    }

    private Replication replication;

    /** A certificate chain and its private key (PEM) with which the server also listens for HTTPS. */
    public record Tls(Path certificate, Path privateKey, int port) {
    }
    private boolean ownSession;
    private String serviceDatabase;
    private final Map<ServiceUser, String> servicePasswords = new EnumMap<>(ServiceUser.class);
    private String httpPortSetting = "another free port";
    private String tcpPortSetting = "another free port";

    public EmbeddedClickHouse(Path dir, int httpPort, int tcpPort) {
        this.dir = dir.toAbsolutePath();
        this.httpPort = httpPort;
        this.tcpPort = tcpPort;
    }

    /**
     * The least-privilege users the server defines besides {@code default}, one per job, each with a
     * random password kept in its own owner-only file. 18.16 knows only two switches per user:
     * {@code readonly} and {@code allow_ddl} (which also covers ALTER and OPTIMIZE).
     */
    public enum ServiceUser {
        /** Applies the schema migrations: creates the database, tables and views. */
        MIGRATE("pyusage_migrate", "<allow_ddl>1</allow_ddl>"),
        /** Inserts what the aggregators consume, and reads what the resend check needs; no DDL. */
        WRITER("pyusage_writer", "<allow_ddl>0</allow_ddl>"),
        /** The aggregators' hourly maintenance: drops old partitions, merges ended months, clears columns (ALTER, OPTIMIZE). */
        MAINTENANCE("pyusage_maintenance", "<allow_ddl>1</allow_ddl>"),
        /** The query API and Grafana: reads, and sets its own limits per query ({@code readonly=2}). */
        READER("pyusage_reader", "<readonly>2</readonly><allow_ddl>0</allow_ddl>");

        private final String userName;
        private final String rights;

        ServiceUser(String userName, String rights) {
            this.userName = userName;
            this.rights = rights;
        }

        public String userName() {
            return userName;
        }
    }

    /** A user name and its password. */
    public record Login(String user, String password) {
    }

    /** Restricts the {@link ServiceUser}s to this database (and {@code system}); without it they reach every database, as tests need. */
    public EmbeddedClickHouse withServiceDatabase(String database) {
        this.serviceDatabase = database;
        return this;
    }

    /** The login of a service user, once the server has started. */
    public synchronized Login login(ServiceUser serviceUser) {
        String kept = servicePasswords.get(serviceUser);
        if (kept == null) {
            throw new IllegalStateException("the server has not been started");
        }
        return new Login(serviceUser.userName(), kept);
    }

    /** Where a service user's password is kept (owner-only). */
    public Path passwordFile(ServiceUser serviceUser) {
        return dir.resolve(serviceUser.userName() + "-password");
    }

    /**
     * The settings that connect a service to this server's {@code database} as {@code serviceUser},
     * as an operator would give them: the URL, the user and its password.
     */
    public Map<String, String> serviceSettings(ServiceUser serviceUser, String database) {
        Login login = login(serviceUser);
        return Map.of("PYUSAGE_CLICKHOUSE_URL", httpUrl(), "PYUSAGE_CLICKHOUSE_DATABASE", database,
                "PYUSAGE_CLICKHOUSE_USER", login.user(), "PYUSAGE_CLICKHOUSE_PASSWORD", login.password());
    }

    /** An aggregator's settings: it writes as {@link ServiceUser#WRITER} and maintains as {@link ServiceUser#MAINTENANCE}. */
    public Map<String, String> aggregatorSettings(String database) {
        Map<String, String> settings = new HashMap<>(serviceSettings(ServiceUser.WRITER, database));
        Login maintenance = login(ServiceUser.MAINTENANCE);
        settings.put("PYUSAGE_CLICKHOUSE_MAINTENANCE_USER", maintenance.user());
        settings.put("PYUSAGE_CLICKHOUSE_MAINTENANCE_PASSWORD", maintenance.password());
        return Map.copyOf(settings);
    }

    /** Starts the server in a session of its own (see {@link ChildProcess#start}): for a launcher run from a terminal. */
    public EmbeddedClickHouse inOwnSession() {
        ownSession = true;
        return this;
    }

    /** Also listens for HTTPS on {@code port}, with this certificate (its own {@code openSSL} server section). */
    public EmbeddedClickHouse withHttps(Path certificate, Path privateKey, int port) {
        this.https = new Tls(certificate.toAbsolutePath(), privateKey.toAbsolutePath(), port);
        return this;
    }

    /** The HTTPS interface's URL, when {@link #withHttps} was asked for. */
    public String httpsUrl() {
        if (https == null) {
            throw new IllegalStateException("the server has no HTTPS listener");
        }
        return "https://127.0.0.1:" + https.port();
    }

    private EmbeddedClickHouse loginsOf;

    /**
     * Gives this server the same passwords as {@code other} (started first): a cluster's replicas
     * share their users, as the services log in to whichever replica answers.
     */
    public EmbeddedClickHouse withLoginsOf(EmbeddedClickHouse other) {
        this.loginsOf = other;
        return this;
    }

    /** Runs this server as a replica (see {@link Replication}). */
    public EmbeddedClickHouse withReplication(Replication replication) {
        this.replication = replication;
        return this;
    }

    public int tcpPort() {
        return tcpPort;
    }

    /** Names the settings that choose the two ports, for the message when one is taken. */
    public EmbeddedClickHouse withPortSettings(String httpPort, String tcpPort) {
        this.httpPortSetting = httpPort;
        this.tcpPortSetting = tcpPort;
        return this;
    }

    public static EmbeddedClickHouse onFreePorts(Path dir) {
        return new EmbeddedClickHouse(dir, FreePorts.next(), FreePorts.next());
    }

    public String httpUrl() {
        return "http://127.0.0.1:" + httpPort;
    }

    /** The {@code default} user's password, made when the server is first started and kept with its data. */
    public synchronized String password() {
        if (password == null) {
            throw new IllegalStateException("the server has not been started");
        }
        return password;
    }

    /** The HTTP interface's URL with the {@code default} user's credentials as parameters, for tools that take only a URL: append {@code &query=...}. */
    public String urlWithCredentials() {
        return httpUrl() + "/?user=default&password=" + password();
    }

    /** Where the {@code default} user's password is kept (owner-only). */
    public Path passwordFile() {
        return dir.resolve("default-password");
    }

    /** A request to this server's HTTP interface as its {@code default} user. */
    public HttpRequest.Builder request(String pathAndQuery) {
        return HttpRequest.newBuilder(URI.create(httpUrl() + pathAndQuery)).header("Authorization", "Basic "
                + Base64.getEncoder().encodeToString(("default:" + password()).getBytes(StandardCharsets.UTF_8)));
    }

    /** The server's process id, once started. */
    public long pid() {
        return process.pid();
    }

    public static Path binary() {
        String override = System.getenv("PYUSAGE_CLICKHOUSE_SERVER");
        return Path.of(override == null || override.isBlank() ? DEFAULT_BINARY : override);
    }

    public synchronized EmbeddedClickHouse start() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            return this;
        }
        Path binary = binary();
        if (!Files.isExecutable(binary)) {
            throw new IOException("ClickHouse server not found at " + binary
                    + ": install the Debian package (as root: apt-get install clickhouse-server), "
                    + "or set PYUSAGE_CLICKHOUSE_SERVER to its path");
        }
        PrivateFiles.directory(dir);
        if (loginsOf != null) {
            PrivateFiles.write(passwordFile(), (loginsOf.password() + "\n").getBytes(StandardCharsets.UTF_8));
            for (ServiceUser serviceUser : ServiceUser.values()) {
                PrivateFiles.write(passwordFile(serviceUser), (loginsOf.login(serviceUser).password() + "\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        password = PrivateFiles.secret(passwordFile(), 32);
        for (ServiceUser serviceUser : ServiceUser.values()) {
            servicePasswords.put(serviceUser, PrivateFiles.secret(passwordFile(serviceUser), 32));
        }
        for (String sub : List.of("data", "tmp", "user_files", "format_schemas", "log")) {
            Files.createDirectories(dir.resolve(sub));
        }
        Path config = writeConfig();
        process = ChildProcess.start("clickhouse server",
                List.of(binary.toString(), "--config-file=" + config), config.toString(),
                dir, dir.resolve("log/stdout.log"), dir.resolve("server.pid"), ownSession, List.of(
                        new PortCheck.NeededPort(httpPort, PortCheck.Protocol.TCP, "ClickHouse HTTP interface", httpPortSetting),
                        new PortCheck.NeededPort(tcpPort, PortCheck.Protocol.TCP, "ClickHouse native interface", tcpPortSetting)));
        Readiness.await("ClickHouse on " + httpUrl(), process, START_TIMEOUT, this::answers);
        return this;
    }

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

    private boolean answers() throws Exception {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create(httpUrl() + "/ping")).timeout(Duration.ofSeconds(2)).build(),
                HttpResponse.BodyHandlers.ofString());
        return response.statusCode() == 200;
    }

    /** 18.16's HTTPS listener: a port and the server side of its {@code openSSL} section; nothing without {@link #withHttps}. */
    private String httpsSection() {
        if (https == null) {
            return "";
        }
        return """
                <https_port>%d</https_port>
                  <openSSL><server>
                    <certificateFile>%s</certificateFile>
                    <privateKeyFile>%s</privateKeyFile>
                    <verificationMode>none</verificationMode>
                    <loadDefaultCAFile>false</loadDefaultCAFile>
                    <cacheSessions>true</cacheSessions>
                    <disableProtocols>sslv2,sslv3,tlsv1,tlsv1_1</disableProtocols>
                    <preferServerCiphers>true</preferServerCiphers>
                  </server></openSSL>""".formatted(https.port(), https.certificate(), https.privateKey());
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /**
     * ZooKeeper, the macros, the interserver port and the cluster of a {@link Replication}; nothing
     * without one. The cluster's replicas are listed without passwords: with one shard nothing
     * connects through {@code remote_servers}; the migrations only read the shard count from it.
     */
    private String replicationSection() {
        if (replication == null) {
            return "";
        }
        StringBuilder replicas = new StringBuilder();
        for (int port : replication.replicaTcpPorts()) {
            replicas.append("<replica><host>127.0.0.1</host><port>").append(port).append("</port></replica>");
        }
        return """
                <zookeeper><node><host>127.0.0.1</host><port>%d</port></node><session_timeout_ms>10000</session_timeout_ms></zookeeper>
                  <macros><shard>01</shard><replica>%s</replica></macros>
                  <interserver_http_host>127.0.0.1</interserver_http_host>
                  <interserver_http_port>%d</interserver_http_port>
                  <remote_servers><%s><shard><internal_replication>true</internal_replication>%s</shard></%4$s></remote_servers>"""
                .formatted(replication.zooKeeperPort(), replication.replica(), replication.interserverPort(), replication.cluster(), replicas);
    }

    /** The profiles of the {@link ServiceUser}s, as users.xml elements. */
    private String serviceProfiles() {
        StringBuilder profiles = new StringBuilder();
        for (ServiceUser serviceUser : ServiceUser.values()) {
            profiles.append("""
                    <%s><max_memory_usage>4000000000</max_memory_usage>%s
                      <allow_experimental_low_cardinality_type>1</allow_experimental_low_cardinality_type></%1$s>
                    """.formatted(serviceUser.userName(), serviceUser.rights));
        }
        return profiles.toString();
    }

    /** The {@link ServiceUser}s, each with its profile, as users.xml elements. */
    private String serviceUserEntries() {
        String databases = serviceDatabase == null ? ""
                : "<allow_databases><database>" + serviceDatabase + "</database></allow_databases>";
        StringBuilder users = new StringBuilder();
        for (ServiceUser serviceUser : ServiceUser.values()) {
            users.append("""
                    <%s>
                      <password_sha256_hex>%s</password_sha256_hex>
                      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
                      <profile>%1$s</profile>
                      <quota>default</quota>
                      %s
                    </%1$s>
                    """.formatted(serviceUser.userName(), sha256(servicePasswords.get(serviceUser)), databases));
        }
        return users.toString();
    }

    private Path writeConfig() throws IOException {
        Files.writeString(dir.resolve("users.xml"), """
                <?xml version="1.0"?>
                <yandex>
                  <profiles>
                    <default>
                      <max_memory_usage>4000000000</max_memory_usage>
                      <allow_experimental_low_cardinality_type>1</allow_experimental_low_cardinality_type>
                    </default>
                    %2$s
                  </profiles>
                  <users>
                    <default>
                      <password_sha256_hex>%s</password_sha256_hex>
                      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
                      <profile>default</profile>
                      <quota>default</quota>
                    </default>
                    %3$s
                  </users>
                  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>
                    <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time>
                  </interval></default></quotas>
                </yandex>
                """.formatted(sha256(password), serviceProfiles(), serviceUserEntries()));
        Path config = dir.resolve("config.xml");
        Files.writeString(config, """
                <?xml version="1.0"?>
                <yandex>
                  <logger>
                    <level>warning</level>
                    <log>%1$s/log/server.log</log>
                    <errorlog>%1$s/log/server.err.log</errorlog>
                    <size>50M</size>
                    <count>3</count>
                  </logger>
                  <listen_host>127.0.0.1</listen_host>
                  <http_port>%2$d</http_port>
                  <tcp_port>%3$d</tcp_port>
                  %4$s
                  <path>%1$s/data/</path>
                  <tmp_path>%1$s/tmp/</tmp_path>
                  <user_files_path>%1$s/user_files/</user_files_path>
                  <format_schema_path>%1$s/format_schemas/</format_schema_path>
                  %5$s
                  <users_config>%1$s/users.xml</users_config>
                  <default_profile>default</default_profile>
                  <default_database>default</default_database>
                  <timezone>UTC</timezone>
                  <max_concurrent_queries>100</max_concurrent_queries>
                  <mark_cache_size>268435456</mark_cache_size>
                  <uncompressed_cache_size>268435456</uncompressed_cache_size>
                  <!-- ZSTD instead of the default LZ4 for every part: pyusage's tables take about a third
                       less disk (see ./pyusage bench storage) for a little more CPU on merges and reads. -->
                  <compression>
                    <case>
                      <min_part_size>0</min_part_size>
                      <min_part_size_ratio>0</min_part_size_ratio>
                      <method>zstd</method>
                    </case>
                  </compression>
                </yandex>
                """.formatted(dir, httpPort, tcpPort, httpsSection(), replicationSection()));
        return config;
    }
}
