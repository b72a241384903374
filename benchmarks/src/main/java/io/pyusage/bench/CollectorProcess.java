package io.pyusage.bench;

import io.pyusage.devstack.servers.FreePorts;
import io.pyusage.devstack.servers.ServiceProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The collector in a JVM of its own with a 256 MiB heap cap (the production setting), so its memory
 * is measured apart from the load generator's.
 */
final class CollectorProcess implements AutoCloseable {

    private final ServiceProcess service;
    private final int udpPort;

    private CollectorProcess(ServiceProcess service, int udpPort) {
        this.service = service;
        this.udpPort = udpPort;
    }

    static CollectorProcess start(Path dir, String bootstrap) throws Exception {
        return start(dir, bootstrap, 1, 3, "collector");
    }

    /** A collector whose topic, when it creates it, has {@code partitions} with {@code replication} replicas each. */
    static CollectorProcess start(Path dir, String bootstrap, int replication, int partitions, String name) throws Exception {
        int httpPort = FreePorts.next();
        int udpPort = FreePorts.next();
        return new CollectorProcess(ServiceProcess.start("io.pyusage.collector.CollectorMain", jvmArgs(), Map.of(
                "PYUSAGE_KAFKA_BOOTSTRAP", bootstrap,
                "PYUSAGE_KAFKA_REPLICATION", String.valueOf(replication),
                "PYUSAGE_KAFKA_PARTITIONS", String.valueOf(partitions),
                "PYUSAGE_COLLECTOR_HOST", "127.0.0.1",
                "PYUSAGE_COLLECTOR_HTTP_PORT", String.valueOf(httpPort),
                "PYUSAGE_COLLECTOR_UDP_PORT", String.valueOf(udpPort)), httpPort, dir.resolve(name + ".log")), udpPort);
    }

    /** {@link RelayFloor} in a JVM like the collector's. */
    static ServiceProcess startRelayFloor(Path dir, String bootstrap) throws Exception {
        int httpPort = FreePorts.next();
        return ServiceProcess.start(RelayFloor.class.getName(), jvmArgs(), Map.of(
                "PYUSAGE_KAFKA_BOOTSTRAP", bootstrap,
                "PYUSAGE_KAFKA_REPLICATION", "1",
                "PYUSAGE_COLLECTOR_HTTP_PORT", String.valueOf(httpPort)), httpPort, dir.resolve("relay-floor.log"));
    }

    private static List<String> jvmArgs() {
        List<String> jvmArgs = new ArrayList<>(List.of("-Xmx256m"));
        // For profiling, e.g. -Dbench.collectorJvmArgs=-XX:StartFlightRecording=filename=collector.jfr
        String extra = System.getProperty("bench.collectorJvmArgs", "").trim();
        if (!extra.isEmpty()) {
            jvmArgs.addAll(List.of(extra.split("\\s+")));
        }
        return jvmArgs;
    }

    String httpUrl() {
        return service.httpUrl();
    }

    int udpPort() {
        return udpPort;
    }

    /** Sum of a metric's samples, optionally only those of one transport. */
    double counter(String name, String transport) throws IOException, InterruptedException {
        return service.metric(name, transport == null ? "" : "transport=\"" + transport + "\"");
    }

    ServiceProcess service() {
        return service;
    }

    @Override
    public void close() {
        service.close();
    }
}
