package io.pyusage.devstack.servers;

import java.time.Duration;

/**
 * Stops a child process when this JVM ends without having stopped it: a {@code kill} of the JVM's
 * pid alone (SIGTERM) runs shutdown hooks but no try-with-resources, and would leave the child
 * running with nothing to stop it. Cancelled once the child is stopped the ordinary way.
 */
final class StopAtExit {

    private final Thread hook;

    private StopAtExit(Thread hook) {
        this.hook = hook;
    }

    static StopAtExit register(String name, ProcessHandle process, Duration grace) {
        Thread hook = new Thread(() -> ChildProcess.terminate(process, grace), name + " stop at exit");
        Runtime.getRuntime().addShutdownHook(hook);
        return new StopAtExit(hook);
    }

    void cancel() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // stopped by another shutdown hook: this one finds the process gone
        }
    }
}
