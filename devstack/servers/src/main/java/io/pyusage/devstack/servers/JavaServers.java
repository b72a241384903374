package io.pyusage.devstack.servers;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line of a server that runs in a JVM of its own (the Kafka broker, ZooKeeper), from the
 * class path this module writes at build time: their jars never reach the services' class path.
 */
final class JavaServers {

    private static final String CLASSPATH_RESOURCE = "kafka-broker.classpath";

    private JavaServers() {
    }

    /** {@code java} of this JVM's installation running {@code mainClass} with {@code args}, at most {@code maxHeap} of heap. */
    static List<String> command(String maxHeap, String mainClass, String... args) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms128m", "-Xmx" + maxHeap, "-XX:+UseG1GC",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", classpath(), mainClass));
        command.addAll(List.of(args));
        return command;
    }

    private static String classpath() {
        try (InputStream in = JavaServers.class.getResourceAsStream(CLASSPATH_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(CLASSPATH_RESOURCE + " missing: build the devstack-servers module with Maven");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
