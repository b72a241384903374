package io.pyusage.collector;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Datagrams the kernel dropped on the collector's UDP sockets because a receive buffer was full: the collector never sees them. */
final class UdpKernelStats {

    private static final Path RMEM_MAX = Path.of("/proc/sys/net/core/rmem_max");
    private static final List<Path> TABLES = List.of(Path.of("/proc/net/udp"), Path.of("/proc/net/udp6"));

    private UdpKernelStats() {
    }

    /**
     * Datagrams dropped by the kernel on sockets bound to {@code port}, summed over IPv4 and IPv6;
     * NaN where {@code /proc/net/udp} does not exist. The count restarts with the sockets.
     */
    static double drops(int port) {
        String portHex = String.format(":%04X", port);
        long drops = 0;
        boolean found = false;
        for (Path table : TABLES) {
            if (!Files.isReadable(table)) {
                continue;
            }
            found = true;
            try {
                for (String line : Files.readAllLines(table)) {
                    String[] fields = line.trim().split("\\s+");
                    // sl local_address rem_address st ... drops: the local address ends with the port.
                    if (fields.length >= 13 && fields[1].endsWith(portHex)) {
                        drops += Long.parseLong(fields[fields.length - 1]);
                    }
                }
            } catch (IOException | NumberFormatException e) {
                // Unreadable, or a kernel with another layout: report nothing rather than nonsense.
                return Double.NaN;
            }
        }
        return found ? drops : Double.NaN;
    }

    /**
     * The largest receive buffer a socket may ask for ({@code net.core.rmem_max}), or -1 where it
     * cannot be read. Linux reports a granted buffer doubled (for its own bookkeeping), so the
     * granted size alone does not tell whether a request was cut.
     */
    static long receiveBufferLimit() {
        try {
            // Read as lines: Files.readString trusts the size /proc reports and returned "8" for 8388608.
            return Long.parseLong(Files.readAllLines(RMEM_MAX).get(0).trim());
        } catch (IOException | NumberFormatException | IndexOutOfBoundsException e) {
            return -1;
        }
    }
}
