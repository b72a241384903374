package io.pyusage.devstack.servers;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A pyusage service in a JVM of its own, started from the current class path and configured through
 * its environment, as an operator runs it: for benchmarks that measure its memory apart from the load
 * generator's, and for tests that kill it as a crash would. Its figures are read from its /metrics.
 * It is stopped with the JVM that started it ({@link StopAtExit}).
 */
public final class ServiceProcess implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    /** A service drains its buffers and commits on SIGTERM; the aggregator alone may take most of this. */
    private static final Duration STOP_GRACE = Duration.ofSeconds(30);

    private final Process process;
    private final int httpPort;
    private final Path logFile;
    private final StopAtExit stopAtExit;

    private ServiceProcess(Process process, int httpPort, Path logFile) {
        this.process = process;
        this.httpPort = httpPort;
        this.logFile = logFile;
        this.stopAtExit = StopAtExit.register(logFile.getFileName().toString(), process.toHandle(), STOP_GRACE);
    }

    /**
     * Starts {@code mainClass} and returns once its {@code /health} on {@code httpPort} (which the
     * environment must configure) answers 200.
     */
    public static ServiceProcess start(String mainClass, List<String> jvmArgs, Map<String, String> environment, int httpPort,
                                       Path logFile) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(jvmArgs);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        return startCommand(mainClass, command, environment, httpPort, logFile);
    }

    /**
     * Runs {@code command} (a service's own start script, say) and returns once its {@code /health}
     * on {@code httpPort} answers 200; the command must end by exec-ing the JVM, so that the process
     * stopped is the service itself.
     */
    public static ServiceProcess startCommand(String name, List<String> command, Map<String, String> environment, int httpPort,
                                              Path logFile) throws IOException, InterruptedException {
        Files.createDirectories(logFile.toAbsolutePath().getParent());
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        builder.environment().putAll(environment);
        ServiceProcess service = new ServiceProcess(builder.start(), httpPort, logFile);
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!service.process.isAlive()) {
                throw new IOException(name + " exited with code " + service.process.exitValue() + ":\n" + ChildProcess.tail(logFile));
            }
            try {
                if (HTTP.send(HttpRequest.newBuilder(URI.create(service.httpUrl() + "/health")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return service;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(200);
        }
        service.close();
        throw new IOException(name + " did not report healthy within " + START_TIMEOUT + ":\n" + ChildProcess.tail(logFile));
    }

    public String httpUrl() {
        return "http://127.0.0.1:" + httpPort;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Sum of the samples of metric {@code name} whose labels contain {@code label} (empty: all). */
    public double metric(String name, String label) throws IOException, InterruptedException {
        return MetricsText.sum(MetricsText.fetch(httpUrl(), name), name, label);
    }

    public double heapUsedBytes() throws IOException, InterruptedException {
        return metric("jvm_memory_used_bytes", "area=\"heap\"");
    }

    public long pid() {
        return process.pid();
    }

    /** The most resident memory the process has had (VmHWM). */
    public long peakRssBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        return -1;
    }

    /** Kills the process at once ({@code SIGKILL}), as a crash would. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    @Override
    public void close() {
        ChildProcess.terminate(process.toHandle(), STOP_GRACE);
        stopAtExit.cancel();
    }

    public Path logFile() {
        return logFile;
    }
}
