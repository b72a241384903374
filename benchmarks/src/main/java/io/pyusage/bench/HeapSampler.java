package io.pyusage.bench;

import io.pyusage.devstack.servers.ServiceProcess;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;

/** Samples a service's heap use from its /metrics while the load runs, keeping the peak. */
final class HeapSampler {

    private final Thread thread;
    private final AtomicLong peak = new AtomicLong();
    private volatile boolean running = true;

    private HeapSampler(ServiceProcess service) {
        thread = new Thread(() -> {
            while (running) {
                try {
                    peak.accumulateAndGet((long) service.heapUsedBytes(), Math::max);
                    Thread.sleep(200);
                } catch (IOException | InterruptedException e) {
                    return;
                }
            }
        }, "heap-sampler");
        thread.setDaemon(true);
    }

    static HeapSampler start(ServiceProcess service) {
        HeapSampler sampler = new HeapSampler(service);
        sampler.thread.start();
        return sampler;
    }

    /** Stops sampling; returns the peak heap use in bytes. */
    long stop() throws InterruptedException {
        running = false;
        thread.join(5_000);
        return peak.get();
    }
}
