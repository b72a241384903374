package io.pyusage.devstack.servers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;

/**
 * Files and directories only their owner may read: a server's data (Kafka's segments, ClickHouse's
 * parts hold every user's starts) and the secrets the embedded default makes. Created with their mode
 * from the first byte, never narrowed afterwards, so there is no moment another account could open them.
 */
public final class PrivateFiles {

    private static final Set<PosixFilePermission> OWNER_DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("rw-------");

    private PrivateFiles() {
    }

    /** {@code dir} and its missing parents, made owner-only; an existing {@code dir} is narrowed to owner-only. */
    public static Path directory(Path dir) throws IOException {
        Path parent = dir.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        if (Files.isDirectory(dir)) {
            Files.setPosixFilePermissions(dir, OWNER_DIRECTORY);
        } else {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_DIRECTORY));
        }
        return dir;
    }

    /** A secret kept in {@code file}: the one there when it has at least {@code minLength} characters, else a new random one. */
    public static String secret(Path file, int minLength) throws IOException {
        if (Files.exists(file)) {
            Files.setPosixFilePermissions(file, OWNER_FILE);
            String kept = Files.readString(file).trim();
            if (kept.length() >= minLength) {
                return kept;
            }
            Files.delete(file);
        }
        byte[] random = new byte[Math.max(24, (minLength + 1) / 2)];
        new SecureRandom().nextBytes(random);
        String secret = HexFormat.of().formatHex(random);
        write(file, (secret + "\n").getBytes(StandardCharsets.UTF_8));
        return secret;
    }

    /** Writes {@code content} to {@code file}, made anew owner-only (one there before is replaced). */
    public static Path write(Path file, byte[] content) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.deleteIfExists(file);
        return Files.write(Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_FILE)), content,
                StandardOpenOption.TRUNCATE_EXISTING);
    }
}
