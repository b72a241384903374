package io.pyusage.collector;

import io.pyusage.common.config.Env;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs the collector on its own, configured from environment variables (see the README). */
public final class CollectorMain {

    private static final Logger LOG = LoggerFactory.getLogger(CollectorMain.class);

    private CollectorMain() {
    }

    public static void main(String[] args) {
        CollectorConfig config = CollectorConfig.from(Env.system());
        Vertx vertx = Vertx.vertx();
        CollectorService service = new CollectorService(config);
        service.start(vertx)
                .onSuccess(started -> LOG.info("collector listening: UDP {}:{}, HTTP {}:{}",
                        config.bindHost(), config.udpPort(), config.bindHost(), config.httpPort()))
                .onFailure(error -> {
                    LOG.error("collector failed to start", error);
                    vertx.close();
                    System.exit(1);
                });
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
                service.stop().eventually(vertx::close).await()));
    }
}
