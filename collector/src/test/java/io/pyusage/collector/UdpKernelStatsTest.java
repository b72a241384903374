package io.pyusage.collector;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class UdpKernelStatsTest {

    /** The whole number, as cat shows it: reading /proc by its reported size once gave "8" for 8388608. */
    @Test
    void theReceiveBufferLimitIsReadWhole() throws Exception {
        Process cat = new ProcessBuilder("cat", "/proc/sys/net/core/rmem_max").start();
        long expected = Long.parseLong(new String(cat.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim());
        assertEquals(0, cat.waitFor());
        assertEquals(expected, UdpKernelStats.receiveBufferLimit());
    }
}
