package io.pyusage.collector;

import io.pyusage.common.service.Service;

/** Runs the Collector on its own, configured from environment variables (see the README). */
public final class CollectorMain {

    private CollectorMain() {
    }

    public static void main(String[] args) {
        Service.runStandalone(CollectorService.NAME, new CollectorService(Service.configuredOrExit("pyusage-collector", args, CollectorConfig::from)));
    }
}
