package io.pyusage.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A benchmark's working directory, under the system's temporary one. Broker logs and table data run
 * to gigabytes, so it is removed when the benchmark ends, unless {@code -Dbench.keep=true} asks to
 * keep it for a look; also when the benchmark is stopped (Ctrl-C, {@code kill}), once the servers it
 * started have been stopped by their own shutdown hooks.
 */
final class WorkDirectory implements AutoCloseable {

    /** How long a stopped benchmark waits for its servers to end before it removes their files anyway. */
    private static final Duration SERVERS_GONE = Duration.ofSeconds(60);

    private final Path path;
    private final Thread removeAtExit;

    private WorkDirectory(Path path) {
        this.path = path;
        this.removeAtExit = new Thread(this::removeOnceServersEnded, "remove " + path);
        Runtime.getRuntime().addShutdownHook(removeAtExit);
    }

    static WorkDirectory create(String benchmark) throws IOException {
        return new WorkDirectory(Files.createTempDirectory("pyusage-bench-" + benchmark + "-"));
    }

    Path path() {
        return path;
    }

    Path resolve(String name) {
        return path.resolve(name);
    }

    @Override
    public void close() throws IOException {
        try {
            Runtime.getRuntime().removeShutdownHook(removeAtExit);
        } catch (IllegalStateException shuttingDown) {
            return; // the hook removes it
        }
        remove();
    }

    private void removeOnceServersEnded() {
        long deadline = System.nanoTime() + SERVERS_GONE.toNanos();
        while (ProcessHandle.current().descendants().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        try {
            remove();
        } catch (IOException e) {
            System.err.println("could not remove " + path + ": " + e);
        }
    }

    private void remove() throws IOException {
        if (Boolean.getBoolean("bench.keep")) {
            CollectorBenchmark.say("kept %s", path);
            return;
        }
        try (Stream<Path> paths = Files.walk(path)) {
            for (Path each : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(each);
            }
        }
    }
}
