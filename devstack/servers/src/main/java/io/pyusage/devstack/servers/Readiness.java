package io.pyusage.devstack.servers;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Callable;

/** Polls a check until it succeeds, the child process dies, or the deadline passes. */
final class Readiness {

    private Readiness() {
    }

    static void await(String what, ChildProcess process, Duration timeout, Callable<Boolean> check)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            process.checkAlive();
            try {
                if (check.call()) {
                    return;
                }
            } catch (Exception e) {
                last = e;
            }
            Thread.sleep(100);
        }
        throw new IOException(what + " not ready within " + timeout + (last == null ? "" : ": " + last)
                + "\n" + ChildProcess.tail(process.logFile()));
    }
}
