package io.pyusage.common.service;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A pyusage service: started on a Vert.x instance, stopped cleanly. */
public interface Service {

    /** Completes when the service listens; fails (so that start-up fails loudly) when it cannot. */
    Future<? extends Service> start(Vertx vertx);

    Future<Void> stop();

    /** Runs {@code service} as a process's only service: exit code 1 when it cannot start, stopped on SIGTERM. */
    static void runStandalone(String name, Service service) {
        Logger log = LoggerFactory.getLogger(Service.class);
        Vertx vertx = Vertx.vertx();
        service.start(vertx)
                .onSuccess(started -> log.info("{} started", name))
                .onFailure(error -> {
                    log.error("{} failed to start", name, error);
                    vertx.close();
                    System.exit(1);
                });
        Runtime.getRuntime().addShutdownHook(new Thread(() -> service.stop().eventually(vertx::close).await()));
    }
}
