package io.pyusage.devstack.servers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A server started as a child process, its output appended to a log file and its pid kept in a pid
 * file, so that a later start can stop a copy left running by a launcher that was killed.
 */
public final class ChildProcess implements AutoCloseable {

    private static final Duration GRACE = Duration.ofSeconds(15);

    private static final Path SETSID = Path.of("/usr/bin/setsid");

    private final String name;
    private final Process process;
    private final Path pidFile;
    private final Path logFile;
    /** Null in a session of its own. */
    private final StopAtExit stopAtExit;

    private ChildProcess(String name, Process process, Path pidFile, Path logFile, StopAtExit stopAtExit) {
        this.name = name;
        this.process = process;
        this.pidFile = pidFile;
        this.logFile = logFile;
        this.stopAtExit = stopAtExit;
    }

    /**
     * Starts {@code command}, first stopping a process that an earlier, killed run recorded in
     * {@code pidFile} and whose command line contains {@code marker}, then failing, with the holder
     * named, when any of {@code ports} is still taken. In {@code ownSession}
     * ({@code setsid}, which execs the command under the same pid, where the system has it), a
     * Ctrl-C in the terminal reaches only the process that started it, which can then stop the
     * server's clients first; otherwise the server stops with whatever started it (a test run, a
     * benchmark): with its process group on a Ctrl-C, and, as this JVM's shutdown hook, when only
     * the JVM is told to stop (a {@code kill} of its pid), which would otherwise leave the server
     * running with nothing to stop it.
     */
    public static ChildProcess start(String name, List<String> command, String marker, Path workDir, Path logFile,
                                     Path pidFile, boolean ownSession, List<PortCheck.NeededPort> ports) throws IOException {
        stopStale(pidFile, marker);
        PortCheck.requireFree(ports);
        Process process = launch(ownSession && Files.isExecutable(SETSID) ? withSetsid(command) : command, workDir, logFile);
        Files.writeString(pidFile, Long.toString(process.pid()));
        StopAtExit stopAtExit = ownSession ? null : StopAtExit.register(name, process.toHandle(), GRACE);
        return new ChildProcess(name, process, pidFile, logFile, stopAtExit);
    }

    /** Runs {@code command} to completion (used for one-off set-up steps), failing with its output. */
    public static void runToCompletion(String name, List<String> command, Path workDir, Path logFile, Duration timeout)
            throws IOException, InterruptedException {
        Process process = launch(command, workDir, logFile);
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new IOException(name + " did not finish within " + timeout + "; see " + logFile);
        }
        if (process.exitValue() != 0) {
            throw new IOException(name + " failed with exit code " + process.exitValue() + ":\n" + tail(logFile));
        }
    }

    private static List<String> withSetsid(List<String> command) {
        List<String> own = new ArrayList<>(command.size() + 1);
        own.add(SETSID.toString());
        own.addAll(command);
        return own;
    }

    /** Starts command in workDir with stdout and stderr appended to logFile. */
    private static Process launch(List<String> command, Path workDir, Path logFile) throws IOException {
        Files.createDirectories(logFile.getParent());
        return new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .start();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    public Path logFile() {
        return logFile;
    }

    /** Fails with the end of the log when the process has exited, to explain a start that never became ready. */
    public void checkAlive() throws IOException {
        if (!process.isAlive()) {
            throw new IOException(name + " exited with code " + process.exitValue() + ":\n" + tail(logFile));
        }
    }

    /** Stops {@code process} gracefully if there is one; returns null, what its holder keeps instead. */
    static ChildProcess stopped(ChildProcess process) {
        if (process != null) {
            process.close();
        }
        return null;
    }

    /** Kills {@code process} with SIGKILL if there is one, as a crash or a lost machine would; returns null. */
    static ChildProcess killed(ChildProcess process) throws InterruptedException {
        if (process != null) {
            process.kill();
            process.close();
        }
        return null;
    }

    /** Kills the process at once, as a crash would (for failure tests). */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    @Override
    public void close() {
        terminate(process.toHandle(), GRACE);
        if (stopAtExit != null) {
            stopAtExit.cancel();
        }
        try {
            Files.deleteIfExists(pidFile);
        } catch (IOException ignored) {
            // a leftover pid file is checked against the live process on the next start
        }
    }

    /**
     * Stops the process recorded in {@code pidFile} if it still runs with {@code marker} (its config file)
     * on its command line; the marker keeps a recycled pid of an unrelated process safe.
     */
    private static void stopStale(Path pidFile, String marker) throws IOException {
        if (!Files.exists(pidFile)) {
            return;
        }
        String text = Files.readString(pidFile).trim();
        Optional<ProcessHandle> stale = text.matches("\\d+") ? ProcessHandle.of(Long.parseLong(text)) : Optional.empty();
        stale.filter(ProcessHandle::isAlive)
                .filter(h -> h.info().commandLine().map(c -> c.contains(marker)).orElse(false))
                .ifPresent(handle -> terminate(handle, GRACE));
        Files.deleteIfExists(pidFile);
    }

    /** Asks the process to stop, and kills it if it has not within {@code grace}. */
    static void terminate(ProcessHandle handle, Duration grace) {
        if (!handle.isAlive()) {
            return;
        }
        handle.destroy();
        try {
            handle.onExit().get(grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            handle.destroyForcibly();
        } catch (Exception e) {
            handle.destroyForcibly();
            handle.onExit().join();
        }
    }

    static String tail(Path logFile) {
        try {
            List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
