package io.pyusage.aggregator;

import io.pyusage.common.config.Env;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs the aggregator on its own, configured from environment variables (see the README). */
public final class AggregatorMain {

    private static final Logger LOG = LoggerFactory.getLogger(AggregatorMain.class);

    private AggregatorMain() {
    }

    public static void main(String[] args) {
        AggregatorConfig config = AggregatorConfig.from(Env.system());
        Vertx vertx = Vertx.vertx();
        AggregatorService service = new AggregatorService(config);
        service.start(vertx)
                .onSuccess(started -> LOG.info("aggregator consuming {} into {}; health on port {}",
                        config.kafka().topic(), config.clickHouse().url(), config.httpPort()))
                .onFailure(error -> {
                    LOG.error("aggregator failed to start", error);
                    vertx.close();
                    System.exit(1);
                });
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
                service.stop().eventually(vertx::close).await()));
    }
}
