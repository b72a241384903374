package io.pyusage.devstack.servers;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A real single-node ZooKeeper (Maven Central's {@code org.apache.zookeeper:zookeeper}) in a JVM of
 * its own, with a data folder and port of its own: what replicated ClickHouse tables coordinate
 * through. Its data survives {@link #stop()}, so a stopped ZooKeeper comes back with every table's
 * replication state.
 */
public final class EmbeddedZooKeeper implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Path dir;
    private final int port;
    private String portSetting = "another free port";
    private boolean ownSession;
    private ChildProcess process;

    public EmbeddedZooKeeper(Path dir, int port) {
        this.dir = dir.toAbsolutePath();
        this.port = port;
    }

    public static EmbeddedZooKeeper onFreePort(Path dir) {
        return new EmbeddedZooKeeper(dir, FreePorts.next());
    }

    /** Starts the server in a session of its own (see {@link ChildProcess#start}): for a launcher run from a terminal. */
    public EmbeddedZooKeeper inOwnSession() {
        ownSession = true;
        return this;
    }

    /** Names the setting that chooses the port, for the message when it is taken. */
    public EmbeddedZooKeeper withPortSetting(String setting) {
        this.portSetting = setting;
        return this;
    }

    public int port() {
        return port;
    }

    /** The server's process id, once started. */
    public long pid() {
        return process.pid();
    }

    public synchronized EmbeddedZooKeeper start() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            return this;
        }
        PrivateFiles.directory(dir);
        Files.createDirectories(dir.resolve("data"));
        Path config = dir.resolve("zoo.cfg");
        // No admin web server (it would take port 8080); "ruok" is the readiness check.
        Files.writeString(config, """
                tickTime=2000
                dataDir=%s
                clientPort=%d
                clientPortAddress=127.0.0.1
                maxClientCnxns=0
                admin.enableServer=false
                4lw.commands.whitelist=ruok,srvr
                """.formatted(dir.resolve("data"), port), StandardCharsets.UTF_8);
        process = ChildProcess.start("zookeeper", JavaServers.command("512m", "org.apache.zookeeper.server.ZooKeeperServerMain",
                        config.toString()), config.toString(), dir, dir.resolve("zookeeper.log"), dir.resolve("zookeeper.pid"), ownSession,
                List.of(new PortCheck.NeededPort(port, PortCheck.Protocol.TCP, "ZooKeeper", portSetting)));
        Readiness.await("ZooKeeper on 127.0.0.1:" + port, process, START_TIMEOUT, this::answers);
        return this;
    }

    /** Stops the server gracefully; {@link #start()} brings it back on the same data. */
    public synchronized void stop() {
        process = ChildProcess.stopped(process);
    }

    /** Kills the server with SIGKILL, as a crash or a lost machine would; {@link #start()} brings it back on the same data. */
    public synchronized void kill() throws InterruptedException {
        process = ChildProcess.killed(process);
    }

    @Override
    public void close() {
        stop();
    }

    /** ZooKeeper's own health word: {@code ruok} is answered {@code imok} once it serves. */
    private boolean answers() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            socket.setSoTimeout(2000);
            OutputStream out = socket.getOutputStream();
            out.write("ruok".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII).equals("imok");
        } catch (IOException e) {
            return false;
        }
    }
}
