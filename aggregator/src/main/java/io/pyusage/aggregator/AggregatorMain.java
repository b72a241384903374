package io.pyusage.aggregator;

import io.pyusage.common.config.Env;
import io.pyusage.common.service.Service;

/** Runs the Aggregator on its own, configured from environment variables (see the README). */
public final class AggregatorMain {

    private AggregatorMain() {
    }

    public static void main(String[] args) {
        Service.runStandalone(AggregatorService.NAME, new AggregatorService(AggregatorConfig.from(Env.system())));
    }
}
