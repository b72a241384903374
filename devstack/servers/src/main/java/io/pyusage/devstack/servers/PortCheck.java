package io.pyusage.devstack.servers;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Refuses to start a server on a loopback port that something else holds, naming the process that
 * holds it: a stale broker left by an earlier run once answered in place of the one that failed to
 * bind, and the stack went on as if it were its own.
 */
public final class PortCheck {

    /** A port a server needs, and the setting that moves it. */
    public record NeededPort(int port, Protocol protocol, String what, String setting) {
    }

    public enum Protocol { TCP, UDP }

    private static final Path PROC = Path.of("/proc");

    private PortCheck() {
    }

    /** Fails, naming the port, its setting and the holding process, when any of {@code ports} is taken. */
    public static void requireFree(List<NeededPort> ports) throws IOException {
        for (NeededPort needed : ports) {
            if (!free(needed)) {
                throw new IOException("port " + needed.port() + "/" + needed.protocol().name().toLowerCase() + " needed by the "
                        + needed.what() + " is taken by " + holder(needed).orElse("a process this user cannot see")
                        + ": stop that process, or choose another port with " + needed.setting());
            }
        }
    }

    private static boolean free(NeededPort needed) {
        InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), needed.port());
        try {
            if (needed.protocol() == Protocol.TCP) {
                try (ServerSocket socket = new ServerSocket()) {
                    socket.setReuseAddress(true);
                    socket.bind(address);
                }
            } else {
                new DatagramSocket(address).close();
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** "pid N (command line)" of the process with a socket on the port, from /proc; empty where it cannot be seen. */
    static Optional<String> holder(NeededPort needed) {
        Set<String> inodes = socketInodes(needed);
        if (inodes.isEmpty()) {
            return Optional.empty();
        }
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(PROC, p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path process : processes) {
                if (holdsAny(process, inodes)) {
                    long pid = Long.parseLong(process.getFileName().toString());
                    String command = ProcessHandle.of(pid).flatMap(h -> h.info().commandLine()).orElse("?");
                    return Optional.of("pid " + pid + " (" + (command.length() > 300 ? command.substring(0, 300) + " …" : command) + ")");
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    private static boolean holdsAny(Path process, Set<String> inodes) {
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(process.resolve("fd"))) {
            for (Path fd : fds) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[") && inodes.contains(target.substring(8, target.length() - 1))) {
                        return true;
                    }
                } catch (IOException ignored) {
                    // the descriptor closed meanwhile
                }
            }
        } catch (IOException | SecurityException e) {
            return false;
        }
        return false;
    }

    /** Inodes of the sockets bound to the port (TCP: listening), from the kernel's tables. */
    private static Set<String> socketInodes(NeededPort needed) {
        String kind = needed.protocol() == Protocol.TCP ? "tcp" : "udp";
        String portHex = String.format(":%04X", needed.port());
        Set<String> inodes = new HashSet<>();
        for (String table : List.of(kind, kind + "6")) {
            try {
                for (String line : Files.readAllLines(PROC.resolve("net").resolve(table))) {
                    String[] fields = line.trim().split("\\s+");
                    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
                    boolean bound = needed.protocol() == Protocol.UDP || "0A".equals(fields.length > 3 ? fields[3] : "");
                    if (fields.length > 9 && fields[1].endsWith(portHex) && bound) {
                        inodes.add(fields[9]);
                    }
                }
            } catch (IOException e) {
                // no such table here
            }
        }
        return inodes;
    }
}
