package io.pyusage.devstack.servers;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * Polls a check until it succeeds, the child process dies, or the deadline passes; a check that
 * finds another server answering in place of the child fails at once. On failure the child is stopped.
 */
final class Readiness {

    /** Thrown by a check that reached a server, but not the one just started. */
    static final class NotOurServer extends Exception {
        NotOurServer(String message) {
            super(message);
        }
    }

    private Readiness() {
    }

    static void await(String what, ChildProcess process, Duration timeout, Callable<Boolean> check)
            throws IOException, InterruptedException {
        try {
            poll(what, process, timeout, check);
        } catch (IOException | InterruptedException | RuntimeException e) {
            process.close();
            throw e;
        }
    }

    private static void poll(String what, ChildProcess process, Duration timeout, Callable<Boolean> check)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            process.checkAlive();
            try {
                if (check.call()) {
                    // The answer may have come from elsewhere while the child was failing.
                    process.checkAlive();
                    return;
                }
            } catch (NotOurServer e) {
                throw new IOException(what + ": " + e.getMessage() + "\n" + ChildProcess.tail(process.logFile()), e);
            } catch (Exception e) {
                last = e;
            }
            Thread.sleep(100);
        }
        throw new IOException(what + " not ready within " + timeout + (last == null ? "" : ": " + last)
                + "\n" + ChildProcess.tail(process.logFile()));
    }
}
