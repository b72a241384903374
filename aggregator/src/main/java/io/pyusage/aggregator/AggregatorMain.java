package io.pyusage.aggregator;

import io.pyusage.common.service.Service;
import org.slf4j.LoggerFactory;

/**
 * Runs the Aggregator on its own, configured from environment variables and {@code --env-file} (see docs/operations.md). When its
 * consumer loop ends on an error, the process exits with status 1, so that its supervisor starts it
 * again instead of leaving a process up that writes nothing.
 */
public final class AggregatorMain {

    private AggregatorMain() {
    }

    public static void main(String[] args) {
        AggregatorService service = new AggregatorService(Service.configuredOrExit("pyusage-aggregator", args, AggregatorConfig::from));
        Service.runStandalone(AggregatorService.NAME, service);
        service.loopEnded().onComplete(ended -> {
            if (!service.isStopping()) {
                LoggerFactory.getLogger(AggregatorMain.class).error("the consumer loop has stopped ({}); exiting",
                        service.health().details().get("error"));
                // Not on the loop's own thread: exiting runs the shutdown hook, which waits for that thread.
                new Thread(() -> System.exit(1), "aggregator-exit").start();
            }
        });
    }
}
