package io.pyusage.common;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where tests keep the data and logs of the servers they start: under the module's {@code target/}, gone with {@code mvn clean}. */
public final class TestDirectories {

    private TestDirectories() {
    }

    /** A new, empty directory under {@code target/} whose name starts with {@code prefix}. */
    public static Path underTarget(String prefix) throws IOException {
        return Files.createTempDirectory(Files.createDirectories(Path.of("target").toAbsolutePath()), prefix);
    }
}
