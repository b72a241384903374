package io.pyusage.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pyusage.common.TestDirectories;
import io.pyusage.common.clickhouse.SchemaMigrations;
import io.pyusage.devstack.servers.EmbeddedClickHouse;
import io.pyusage.devstack.servers.EmbeddedClickHouse.ServiceUser;
import io.pyusage.devstack.servers.EmbeddedKafka;
import io.pyusage.devstack.servers.FreePorts;
import io.pyusage.devstack.servers.ServiceProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The distribution as a platform team installs it: the archive this build made, unpacked, its
 * bin/ scripts run against the embedded servers with their least-privilege users and env files,
 * a real python3 with the hook installed from hook/ by pip, and the starts read back through the
 * query API.
 */
class DeploymentIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String DATABASE = "pyusage";
    private static final String COLLECTOR_TOKEN = "collector-token-of-the-deployment-test";
    private static final String READER_TOKEN = "reader-token-of-the-deployment-test";
    private static final String BASE = "deploy-test";

    private static Path dir;
    private static Distribution dist;
    private static EmbeddedKafka kafka;
    private static EmbeddedClickHouse clickHouse;
    private static Path shared;

    @BeforeAll
    static void unpackAndStartServers() throws Exception {
        dir = TestDirectories.underTarget("deployment-");
        dist = Distribution.unpack(dir.resolve("opt"));
        kafka = EmbeddedKafka.onFreePorts(dir.resolve("kafka")).start();
        clickHouse = EmbeddedClickHouse.onFreePorts(dir.resolve("clickhouse")).withServiceDatabase(DATABASE).start();
        shared = envFile("pyusage.env", Map.of(
                "PYUSAGE_KAFKA_BOOTSTRAP", kafka.bootstrapServers(),
                "PYUSAGE_KAFKA_REPLICATION", "1",
                "PYUSAGE_KAFKA_PARTITIONS", "3",
                "PYUSAGE_CLICKHOUSE_URL", clickHouse.httpUrl(),
                "PYUSAGE_CLICKHOUSE_DATABASE", DATABASE));
    }

    @AfterAll
    static void stopServers() {
        if (kafka != null) {
            kafka.close();
        }
        if (clickHouse != null) {
            clickHouse.close();
        }
    }

    /** An env file as an operator writes one: NAME=value lines, owner-only. */
    private static Path envFile(String name, Map<String, String> variables) throws Exception {
        Path file = dir.resolve("etc").resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, "# written by DeploymentIT\n" + variables.entrySet().stream()
                .map(entry -> entry.getKey() + "=" + entry.getValue()).collect(Collectors.joining("\n", "", "\n")));
        return file;
    }

    private static Path login(String name, ServiceUser serviceUser, Map<String, String> more) throws Exception {
        Map<String, String> variables = new LinkedHashMap<>(more);
        EmbeddedClickHouse.Login login = clickHouse.login(serviceUser);
        variables.put("PYUSAGE_CLICKHOUSE_USER", login.user());
        variables.put("PYUSAGE_CLICKHOUSE_PASSWORD", login.password());
        return envFile(name, variables);
    }

    @Test
    void theDistributionRunsThePipelineWithLeastPrivilegeUsers() throws Exception {
        int collectorHttp = FreePorts.next();
        int collectorUdp = FreePorts.next();
        int aggregatorPort = FreePorts.next();
        int queryPort = FreePorts.next();
        Path migrate = login("migrate.env", ServiceUser.MIGRATE, Map.of());
        Path queryApi = login("query-api.env", ServiceUser.READER, Map.of("PYUSAGE_QUERY_HOST", "127.0.0.1",
                "PYUSAGE_QUERY_HTTP_PORT", String.valueOf(queryPort), "PYUSAGE_QUERY_TOKENS", READER_TOKEN + "=reader"));
        EmbeddedClickHouse.Login maintenance = clickHouse.login(ServiceUser.MAINTENANCE);
        Path aggregator = login("aggregator.env", ServiceUser.WRITER, Map.of("PYUSAGE_AGGREGATOR_HOST", "127.0.0.1",
                "PYUSAGE_AGGREGATOR_HTTP_PORT", String.valueOf(aggregatorPort), "PYUSAGE_AGGREGATOR_BATCH_MS", "200",
                "PYUSAGE_CLICKHOUSE_MAINTENANCE_USER", maintenance.user(), "PYUSAGE_CLICKHOUSE_MAINTENANCE_PASSWORD", maintenance.password()));
        Path collector = envFile("collector.env", Map.of("PYUSAGE_COLLECTOR_HOST", "127.0.0.1",
                "PYUSAGE_COLLECTOR_HTTP_PORT", String.valueOf(collectorHttp), "PYUSAGE_COLLECTOR_UDP_PORT", String.valueOf(collectorUdp),
                "PYUSAGE_COLLECTOR_TOKEN", COLLECTOR_TOKEN));

        // Before the migrations, a service refuses to start and says what to run.
        Distribution.Result early = Distribution.run(dist.command("pyusage-query-api", List.of(shared, queryApi)), Map.of(),
                dir.resolve("query-api-early.log"));
        assertNotEquals(0, early.exitCode(), early.output());
        assertTrue(early.output().contains("has schema version 0 and this query-api needs version " + SchemaMigrations.LATEST), early.output());
        assertTrue(early.output().contains("pyusage-migrate"), early.output());

        Distribution.Result migrated = Distribution.run(dist.command("pyusage-migrate", List.of(shared, migrate)), Map.of(),
                dir.resolve("migrate.log"));
        assertEquals(0, migrated.exitCode(), migrated.output());
        assertTrue(migrated.output().contains("schema version 0 -> " + SchemaMigrations.LATEST), migrated.output());
        Distribution.Result again = Distribution.run(dist.command("pyusage-migrate", List.of(shared, migrate)), Map.of(),
                dir.resolve("migrate-again.log"));
        assertTrue(again.output().contains("schema version " + SchemaMigrations.LATEST + ", nothing to apply"), again.output());
        assertEquals(0, Distribution.run(dist.command("pyusage-migrate", List.of(shared, migrate), "--status"), Map.of(),
                dir.resolve("migrate-status.log")).exitCode());

        try (ServiceProcess collectorProcess = start("pyusage-collector", List.of(shared, collector), collectorHttp);
             ServiceProcess aggregatorProcess = start("pyusage-aggregator", List.of(shared, aggregator), aggregatorPort);
             ServiceProcess queryProcess = start("pyusage-query-api", List.of(shared, queryApi), queryPort)) {
            Path venv = dir.resolve("venv");
            python(List.of(systemPython(), "-m", "venv", venv.toString()));
            Path python = venv.resolve("bin/python");
            Path wheel;
            try (var files = Files.list(dist.home().resolve("hook"))) {
                wheel = files.filter(file -> file.toString().endsWith(".whl")).findFirst().orElseThrow();
            }
            python(List.of(python.toString(), "-m", "pip", "install", "--no-index", "--quiet", wheel.toString()));
            String site = python(List.of(python.toString(), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")).strip();
            python(List.of(python.toString(), "-m", "pyusage_hook", "install", "--site-dir", site,
                    "--endpoint", "udp://127.0.0.1:" + collectorUdp, "--token", COLLECTOR_TOKEN, "--base", BASE));
            int starts = 5;
            for (int i = 0; i < starts; i++) {
                python(List.of(python.toString(), "-c", "import json"));
            }
            JsonNode base = awaitBase(queryProcess.httpUrl(), starts);
            assertEquals(starts, base.get("starts").asInt(), base.toString());
            assertEquals(1, base.get("environments").asInt(), base.toString());
            assertTrue(aggregatorProcess.isAlive() && collectorProcess.isAlive());
        }
    }

    @Test
    void aServiceWithoutItsRequiredSettingsNamesThemAllAndExits() throws Exception {
        Distribution.Result bare = Distribution.run(dist.command("pyusage-aggregator", List.of()), Map.of(), dir.resolve("bare.log"));
        assertEquals(2, bare.exitCode(), bare.output());
        assertTrue(bare.output().contains("PYUSAGE_KAFKA_BOOTSTRAP is required"), bare.output());
        assertTrue(bare.output().contains("PYUSAGE_CLICKHOUSE_URL is required"), bare.output());
        assertFalse(bare.output().contains("\tat "), "no stack trace: " + bare.output());
        Distribution.Result collector = Distribution.run(dist.command("pyusage-collector", List.of()), Map.of(), dir.resolve("bare-collector.log"));
        assertEquals(2, collector.exitCode(), collector.output());
        assertTrue(collector.output().contains("PYUSAGE_KAFKA_BOOTSTRAP is required"), collector.output());
    }

    @Test
    void theUnitFilesAreValidForSystemd() throws Exception {
        Path units = dir.resolve("units");
        Path etc = dir.resolve("etc-units");
        Files.createDirectories(units);
        Files.createDirectories(etc);
        for (String env : List.of("pyusage", "collector", "aggregator", "query-api", "migrate")) {
            Files.writeString(etc.resolve(env + ".env"), "");
        }
        try (var files = Files.list(dist.home().resolve("systemd"))) {
            for (Path unit : files.toList()) {
                // Where this test unpacked the distribution instead of /opt/pyusage and /etc/pyusage.
                Files.writeString(units.resolve(unit.getFileName()), Files.readString(unit)
                        .replace("/opt/pyusage", dist.home().toString()).replace("/etc/pyusage", etc.toString()));
            }
        }
        List<String> command = new ArrayList<>(List.of("systemd-analyze", "verify", "--man=no"));
        try (var files = Files.list(units)) {
            files.map(Path::toString).sorted().forEach(command::add);
        }
        assertEquals(4, command.size() - 3, "one unit per service and pyusage-migrate's");
        Distribution.Result verified = Distribution.run(command, Map.of(), dir.resolve("systemd-analyze.log"));
        assertEquals(0, verified.exitCode(), verified.output());
        assertEquals("", verified.output().strip(), "no warnings");
    }

    private static ServiceProcess start(String program, List<Path> envFiles, int port) throws Exception {
        return ServiceProcess.startCommand(program, dist.command(program, envFiles), Distribution.baseEnvironment(), port,
                dir.resolve(program + ".log"));
    }

    /** Debian's python3 where there is one (its venv module has ensurepip), else the first on PATH. */
    private static String systemPython() {
        return Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    }

    private static String python(List<String> command) throws Exception {
        Distribution.Result result = Distribution.run(command, Map.of("HOME", dir.resolve("home").toString()),
                dir.resolve("python.log"));
        assertEquals(0, result.exitCode(), command + ": " + result.output());
        return result.output();
    }

    /** Polls the bases the query API lists until ours has {@code starts} starts; returns its row. */
    private static JsonNode awaitBase(String queryApi, int starts) throws Exception {
        JsonNode last = null;
        for (int attempt = 0; attempt < 300; attempt++) {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(queryApi + "/api/v1/bases?since=7d"))
                    .header("Authorization", "Bearer " + READER_TOKEN).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), response.body());
            for (JsonNode row : JSON.readTree(response.body()).get("rows")) {
                if (BASE.equals(row.get("base").asText())) {
                    last = row;
                }
            }
            if (last != null && last.get("starts").asInt() >= starts) {
                return last;
            }
            Thread.sleep(300);
        }
        throw new AssertionError("the query API did not list " + starts + " starts of base " + BASE + "; last: " + last);
    }
}
