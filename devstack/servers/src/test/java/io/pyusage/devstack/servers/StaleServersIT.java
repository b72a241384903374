package io.pyusage.devstack.servers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A port that something else holds, a server left by an earlier run, and a server that dies while starting. */
class StaleServersIT {

    @TempDir
    Path dir;

    @Test
    void aPortHeldByAnotherProcessFailsTheStartNamingThePortItsSettingAndTheHolder() throws Exception {
        try (ServerSocket holder = new ServerSocket()) {
            holder.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = holder.getLocalPort();
            EmbeddedClickHouse clickHouse = new EmbeddedClickHouse(dir.resolve("ch"), port, FreePorts.next())
                    .withPortSettings("PYUSAGE_DEVSTACK_CLICKHOUSE_HTTP_PORT", "PYUSAGE_DEVSTACK_CLICKHOUSE_TCP_PORT");
            IOException refused = assertThrows(IOException.class, clickHouse::start);
            String message = refused.getMessage();
            assertTrue(message.contains("port " + port + "/tcp"), message);
            assertTrue(message.contains("PYUSAGE_DEVSTACK_CLICKHOUSE_HTTP_PORT"), message);
            assertTrue(message.contains("pid " + ProcessHandle.current().pid() + " "), message);
        }
    }

    @Test
    void aUdpPortHeldByAnotherProcessIsNamedToo() throws Exception {
        try (DatagramSocket holder = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            int port = holder.getLocalPort();
            IOException refused = assertThrows(IOException.class, () -> PortCheck.requireFree(List.of(
                    new PortCheck.NeededPort(port, PortCheck.Protocol.UDP, "collector (UDP)", "PYUSAGE_COLLECTOR_UDP_PORT"))));
            assertTrue(refused.getMessage().contains("port " + port + "/udp"), refused.getMessage());
            assertTrue(refused.getMessage().contains("pid " + ProcessHandle.current().pid() + " "), refused.getMessage());
        }
        PortCheck.requireFree(List.of(new PortCheck.NeededPort(FreePorts.next(), PortCheck.Protocol.TCP, "x", "X")));
    }

    @Test
    void aServerLeftRunningByAnEarlierRunIsStoppedAndReplaced() throws Exception {
        int http = FreePorts.next();
        int tcp = FreePorts.next();
        EmbeddedClickHouse earlier = new EmbeddedClickHouse(dir.resolve("ch"), http, tcp).start();
        long stalePid = earlier.pid();
        // The earlier run's launcher is gone (as after a kill -9): nothing stops its server but the next start.
        try (EmbeddedClickHouse next = new EmbeddedClickHouse(dir.resolve("ch"), http, tcp).start()) {
            assertNotEquals(stalePid, next.pid());
            assertFalse(ProcessHandle.of(stalePid).map(ProcessHandle::isAlive).orElse(false), "the stale server was stopped");
            HttpResponse<String> ping = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(next.httpUrl() + "/ping")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ping.statusCode());
        } finally {
            earlier.stop();
        }
    }

    @Test
    void aServerThatExitsWhileStartingFailsTheStart() throws Exception {
        ChildProcess child = ChildProcess.start("failing server", List.of("sh", "-c", "echo cannot bind; exit 3"), "exit 3",
                dir, dir.resolve("failing.log"), dir.resolve("failing.pid"), false, List.of());
        IOException failed = assertThrows(IOException.class, () -> Readiness.await("failing server", child, Duration.ofSeconds(60), () -> false));
        assertTrue(failed.getMessage().contains("exited with code 3"), failed.getMessage());
        assertTrue(failed.getMessage().contains("cannot bind"), "the end of its log is shown: " + failed.getMessage());
    }

    @Test
    void anotherServerAnsweringInPlaceOfTheChildFailsTheStartAtOnceAndStopsTheChild() throws Exception {
        ChildProcess child = ChildProcess.start("slow server", List.of("sleep", "600"), "sleep 600",
                dir, dir.resolve("slow.log"), dir.resolve("slow.pid"), false, List.of());
        IOException failed = assertThrows(IOException.class, () -> Readiness.await("slow server", child, Duration.ofSeconds(600), () -> {
            throw new Readiness.NotOurServer("cluster id abc, not def");
        }));
        assertTrue(failed.getMessage().contains("cluster id abc, not def"), failed.getMessage());
        assertFalse(child.isAlive(), "the child is stopped");
    }
}
