package io.pyusage.devstack.servers;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChildProcessIT {

    @TempDir
    Path dir;

    /**
     * A JVM that started a server in its own process group and is then told to stop (SIGTERM to its
     * pid alone, as {@code kill} or {@code pkill -f} sends it) stops the server too.
     */
    @Test
    void aServerStartedWithoutASessionOfItsOwnStopsWithTheJvmThatStartedIt() throws Exception {
        Process parent = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), StartsAChild.class.getName(), dir.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(parent.getInputStream(), StandardCharsets.UTF_8))) {
            long childPid = Long.parseLong(out.readLine().trim());
            Optional<ProcessHandle> child = ProcessHandle.of(childPid);
            assertTrue(child.isPresent() && child.get().isAlive(), "the child runs");

            parent.destroy();
            assertTrue(parent.waitFor(60, TimeUnit.SECONDS), "the JVM ended");
            // Waits up to a minute for the child to end; the assertion below tells whether it did.
            ProcessHandle.of(childPid).ifPresent(left -> left.onExit().completeOnTimeout(left, 60, TimeUnit.SECONDS).join());
            assertFalse(ProcessHandle.of(childPid).map(ProcessHandle::isAlive).orElse(false), "the child stopped with it");
        } finally {
            parent.destroyForcibly();
        }
    }

    /** Starts {@code sleep} as a child outside a session of its own, prints its pid and waits to be stopped. */
    public static final class StartsAChild {
        public static void main(String[] args) throws Exception {
            Path dir = Path.of(args[0]);
            ChildProcess child = ChildProcess.start("sleeper", List.of("sleep", "600"), "sleep 600", dir, dir.resolve("sleeper.log"),
                    dir.resolve("sleeper.pid"), false, List.of());
            System.out.println(child.pid());
            System.out.flush();
            Thread.sleep(600_000);
        }
    }
}
