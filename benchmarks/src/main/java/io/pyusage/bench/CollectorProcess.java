package io.pyusage.bench;

import io.pyusage.devstack.servers.FreePorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The collector in a JVM of its own with a 256 MiB heap cap (the production setting), so its memory
 * is measured apart from the load generator's; its figures are read from its own /metrics.
 */
final class CollectorProcess implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final Process process;
    private final int httpPort;
    private final int udpPort;

    private CollectorProcess(Process process, int httpPort, int udpPort) {
        this.process = process;
        this.httpPort = httpPort;
        this.udpPort = udpPort;
    }

    static CollectorProcess start(Path dir, String bootstrap) throws Exception {
        int httpPort = FreePorts.next();
        int udpPort = FreePorts.next();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m"));
        // For profiling, e.g. -Dbench.collectorJvmArgs=-XX:StartFlightRecording=filename=collector.jfr
        String extra = System.getProperty("bench.collectorJvmArgs", "").trim();
        if (!extra.isEmpty()) {
            command.addAll(List.of(extra.split("\\s+")));
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.pyusage.collector.CollectorMain"));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("collector.log").toFile());
        builder.environment().putAll(Map.of(
                "PYUSAGE_KAFKA_BOOTSTRAP", bootstrap,
                "PYUSAGE_KAFKA_PARTITIONS", "3",
                "PYUSAGE_COLLECTOR_HOST", "127.0.0.1",
                "PYUSAGE_COLLECTOR_HTTP_PORT", String.valueOf(httpPort),
                "PYUSAGE_COLLECTOR_UDP_PORT", String.valueOf(udpPort)));
        CollectorProcess collector = new CollectorProcess(builder.start(), httpPort, udpPort);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!collector.process.isAlive()) {
                throw new IOException("collector exited; see " + dir.resolve("collector.log") + ":\n"
                        + Files.readString(dir.resolve("collector.log")));
            }
            try {
                if (HTTP.send(HttpRequest.newBuilder(URI.create(collector.httpUrl() + "/health")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return collector;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(200);
        }
        collector.close();
        throw new IOException("collector did not answer within 60 s; see " + dir.resolve("collector.log"));
    }

    String httpUrl() {
        return "http://127.0.0.1:" + httpPort;
    }

    int udpPort() {
        return udpPort;
    }

    /** Sum of a metric's samples, optionally only those of one transport. */
    double counter(String name, String transport) throws IOException, InterruptedException {
        return sum(name, transport == null ? "" : "transport=\"" + transport + "\"");
    }

    double heapUsedBytes() throws IOException, InterruptedException {
        return sum("jvm_memory_used_bytes", "area=\"heap\"");
    }

    /** Sum of the samples of {@code name} whose labels contain {@code label}. */
    private double sum(String name, String label) throws IOException, InterruptedException {
        double sum = 0;
        for (String line : scrape()) {
            if (line.startsWith(name + "{") && line.contains(label)) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    long peakRssBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        return -1;
    }

    private List<String> scrape() throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(httpUrl() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body().lines().toList();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
