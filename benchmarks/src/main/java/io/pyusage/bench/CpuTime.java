package io.pyusage.bench;

import java.time.Duration;

/** CPU time processes have used (user and system, all threads), to show where a run's CPU went on this shared machine. */
final class CpuTime {

    private final long[] pids;
    private final double[] start;

    private CpuTime(long... pids) {
        this.pids = pids;
        this.start = seconds(pids);
    }

    /** Starts counting for these processes. */
    static CpuTime of(long... pids) {
        return new CpuTime(pids);
    }

    /** CPU seconds each process used since {@link #of}, in the order given there. */
    double[] used() {
        double[] now = seconds(pids);
        for (int i = 0; i < now.length; i++) {
            now[i] -= start[i];
        }
        return now;
    }

    private static double[] seconds(long[] pids) {
        double[] seconds = new double[pids.length];
        for (int i = 0; i < pids.length; i++) {
            seconds[i] = ProcessHandle.of(pids[i]).flatMap(p -> p.info().totalCpuDuration()).map(Duration::toNanos).orElse(0L) / 1e9;
        }
        return seconds;
    }
}
