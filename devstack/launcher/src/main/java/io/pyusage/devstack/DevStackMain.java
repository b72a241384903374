package io.pyusage.devstack;

import io.pyusage.common.config.Env;
import io.pyusage.devstack.servers.EmbeddedClickHouse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ./pyusage up}: starts the embedded default, shows it working on real Python starts, prints
 * where to look, and runs until Ctrl-C, which stops every child process.
 */
public final class DevStackMain {

    private DevStackMain() {
    }

    public static void main(String[] args) throws Exception {
        Env env = Env.system();
        Path stateDir = Path.of(env.string("PYUSAGE_VAR_DIR", "var")).toAbsolutePath();
        if (args.length > 0 && args[0].equals("--cluster")) {
            runCluster(stateDir.resolve("cluster"), ClusterPorts.from(env));
            return;
        }
        DevStackPorts ports = DevStackPorts.from(env);
        say("starting Kafka, ClickHouse and the pyusage services (state in " + stateDir + ")");
        DevStack stack = startOrExit(() -> DevStack.start(stateDir, ports));
        CountDownLatch stopped = stopsAtExit(stack);
        say("ready: collector udp " + stack.collectorUdpEndpoint() + ", http " + stack.collectorHttpUrl()
                + "/v1/startups; query API " + stack.queryApiUrl());

        DemoEnvironments demo = new DemoEnvironments(stateDir.resolve("demo"), DemoEnvironments.defaultPython(),
                DemoEnvironments.hookSource());
        demo.create(stack.collectorUdpEndpoint(), "demo");
        int starts = demo.runStarts(3);
        say("demo: started Python " + starts + " times in " + DemoEnvironments.ENVIRONMENTS.size()
                + " virtual environments under " + stateDir.resolve("demo"));
        String numpyUsers = stack.queryApiUrl() + "/api/v1/packages/numpy/users";
        say("demo: " + awaitStarts(numpyUsers, stack.apiToken(), starts));
        say("query API reader token (also in " + stateDir.resolve("api-token") + "): " + stack.apiToken());
        say("the pages: " + stack.queryApiUrl() + "/ui/#/package/numpy  (they ask for the token once)");
        say("look at (curl -H \"Authorization: Bearer $(cat " + stateDir.resolve("api-token")
                + ")\" URL; in a browser, any user name and the token as password):");
        DemoEnvironments.ENVIRONMENTS.stream().flatMap(e -> e.packages().keySet().stream()).distinct().sorted()
                .forEach(name -> say("  " + stack.queryApiUrl() + "/api/v1/packages/" + name + "/users"));
        say("  " + stack.queryApiUrl() + "/api/v1/packages  " + stack.queryApiUrl() + "/api/v1/bases  "
                + stack.queryApiUrl() + "/api/v1/packages/numpy  (add ?format=csv for CSV)");
        say("  " + stack.queryApiUrl() + "/reports/deprecation?base=<a base from /api/v1/bases>&target=<its successor>");
        say("  " + stack.collectorHttpUrl() + "/health  " + stack.queryApiUrl() + "/metrics  " + stack.aggregatorUrl() + "/health");
        say("try it: PYUSAGE_ENDPOINT=" + stack.collectorUdpEndpoint() + " " + DemoEnvironments.pythonIn(
                demo.venv(DemoEnvironments.ENVIRONMENTS.get(0))) + " -c pass");
        sayGrafana(stack);
        say("running; Ctrl-C stops everything");
        stopped.await();
    }

    /** How to point a Grafana (with the grafana-clickhouse-datasource plugin) and a Prometheus at this stack. */
    private static void sayGrafana(DevStack stack) {
        Path dashboards = Path.of("dashboards").toAbsolutePath();
        URI clickHouse = URI.create(stack.clickHouse().httpUrl());
        say("grafana: start it with these variables (provisioning loads the data sources and dashboards):");
        say("  GF_PATHS_PROVISIONING=" + dashboards.resolve("provisioning") + " PYUSAGE_DASHBOARDS_DIR=" + dashboards.resolve("json")
                + " PYUSAGE_GRAFANA_CLICKHOUSE_HOST=" + clickHouse.getHost() + " PYUSAGE_GRAFANA_CLICKHOUSE_PORT=" + clickHouse.getPort()
                + " PYUSAGE_GRAFANA_CLICKHOUSE_USER=" + EmbeddedClickHouse.ServiceUser.READER.userName()
                + " PYUSAGE_GRAFANA_CLICKHOUSE_PASSWORD=$(cat " + stack.clickHouse().passwordFile(EmbeddedClickHouse.ServiceUser.READER) + ") PYUSAGE_GRAFANA_PROMETHEUS_URL=http://127.0.0.1:9090");
        say("prometheus: prometheus --config.file=" + dashboards.resolve("prometheus.yml") + " (scrapes the three services)");
    }

    /**
     * {@code ./pyusage up --cluster}: the embedded cluster ({@link ClusterStack}), the demo's Python
     * starts sent to its first collector, every address printed; runs until Ctrl-C or SIGTERM.
     */
    private static void runCluster(Path stateDir, ClusterPorts ports) throws Exception {
        say("starting a ZooKeeper, two ClickHouse replicas, three Kafka brokers and two collectors, two aggregators"
                + " and the query API (state in " + stateDir + ")");
        ClusterStack stack = startOrExit(() -> ClusterStack.start(stateDir, ports));
        CountDownLatch stopped = stopsAtExit(stack);
        stack.addresses().forEach(line -> say("  " + line));
        say("pids: " + stateDir + "/launcher.pid and each server's *.pid under " + stateDir);
        DemoEnvironments demo = new DemoEnvironments(stateDir.resolve("demo"), DemoEnvironments.defaultPython(),
                DemoEnvironments.hookSource());
        demo.create(stack.collectorUdpEndpoint(1), "demo");
        int starts = demo.runStarts(3);
        say("demo: started Python " + starts + " times in " + DemoEnvironments.ENVIRONMENTS.size() + " virtual environments");
        say("demo: " + awaitStarts(stack.queryApiUrl() + "/api/v1/packages/numpy/users", stack.apiToken(), starts));
        say("query API reader token (also in " + stateDir.resolve("api-token") + "): " + stack.apiToken());
        say("running; Ctrl-C stops everything");
        stopped.await();
    }

    /** The started stack; on a taken port or a server that would not start, the message (which says what to do) and exit code 1. */
    private static <T> T startOrExit(Callable<T> start) throws Exception {
        try {
            return start.call();
        } catch (IOException e) {
            System.err.println("[pyusage] error: " + e.getMessage());
            System.exit(1);
            throw new IllegalStateException("unreachable");
        }
    }

    /** Stops {@code stack} when the JVM is told to stop (Ctrl-C, SIGTERM); the latch opens once it has. */
    private static CountDownLatch stopsAtExit(AutoCloseable stack) {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            say("stopping");
            try {
                stack.close();
            } catch (Exception e) {
                System.err.println("[pyusage] error while stopping: " + e.getMessage());
            }
            stopped.countDown();
        }));
        return stopped;
    }

    /** Polls the query API until the numpy users it lists add up to at least {@code expected} starts. */
    private static String awaitStarts(String url, String token, int expected) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String body = "";
        while (System.nanoTime() < deadline) {
            body = http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            long seen = DemoCheck.startsIn(body);
            if (seen >= expected) {
                return "the query API shows " + seen + " starts with numpy installed: " + url;
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("the demo starts did not reach the query API within 60 s; last answer: " + body);
    }

    private static void say(String line) {
        System.out.println("[pyusage] " + line);
        System.out.flush();
    }
}
