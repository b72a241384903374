package io.pyusage.packaging;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The built distribution archive, unpacked where a test wants it, and its programs run as an operator runs them. */
final class Distribution {

    private final Path home;

    private Distribution(Path home) {
        this.home = home;
    }

    /** The archive this build made ({@code pyusage.dist.archive}, set by the module's build). */
    static Path archive() {
        String archive = System.getProperty("pyusage.dist.archive");
        if (archive == null || !Files.isRegularFile(Path.of(archive))) {
            throw new IllegalStateException("no distribution archive at " + archive + ": run the tests with mvn verify, which builds it");
        }
        return Path.of(archive);
    }

    /** Unpacks the archive into {@code dir} with tar, as an operator would. */
    static Distribution unpack(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Result untar = run(List.of("tar", "xzf", archive().toString(), "-C", dir.toString()), Map.of(), dir.resolve("untar.log"));
        if (untar.exitCode() != 0) {
            throw new IOException("tar failed: " + untar.output());
        }
        try (var entries = Files.list(dir)) {
            Path home = entries.filter(path -> path.getFileName().toString().startsWith("pyusage-") && Files.isDirectory(path))
                    .findFirst().orElseThrow(() -> new IOException("the archive holds no pyusage-<version>/ directory"));
            return new Distribution(home);
        }
    }

    Path home() {
        return home;
    }

    Path bin(String program) {
        return home.resolve("bin").resolve(program);
    }

    /** What a finished program did. */
    record Result(int exitCode, String output) {
    }

    /**
     * Runs {@code command} to its end with only {@code environment} (and PATH, JAVA_HOME: what an
     * init system gives), output and errors together.
     */
    static Result run(List<String> command, Map<String, String> environment, Path log) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().clear();
        builder.environment().putAll(baseEnvironment());
        builder.environment().putAll(environment);
        Process process = builder.start();
        if (!process.waitFor(180, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException(command + " did not end within 180 s: " + Files.readString(log, StandardCharsets.UTF_8));
        }
        return new Result(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }

    /** PATH, and JAVA_HOME pointing at the JVM running the tests. */
    static Map<String, String> baseEnvironment() {
        return Map.of("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"), "JAVA_HOME", System.getProperty("java.home"));
    }

    /** The command that runs {@code program} with these env files, in order. */
    List<String> command(String program, List<Path> envFiles, String... arguments) {
        List<String> command = new ArrayList<>(List.of(bin(program).toString()));
        for (Path file : envFiles) {
            command.addAll(List.of("--env-file", file.toString()));
        }
        command.addAll(List.of(arguments));
        return command;
    }
}
