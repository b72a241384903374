package io.pyusage.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A benchmark's working directory, under the system's temporary one. Broker logs and table data run
 * to gigabytes, so it is removed when the benchmark ends, unless {@code -Dbench.keep=true} asks to
 * keep it for a look.
 */
final class WorkDirectory implements AutoCloseable {

    private final Path path;

    private WorkDirectory(Path path) {
        this.path = path;
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
