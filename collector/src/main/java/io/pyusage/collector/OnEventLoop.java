package io.pyusage.collector;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import java.util.function.Function;

/**
 * Runs a listener's set-up as a verticle, so that each deployed instance gets an event loop of its
 * own; Vert.x closes the servers and sockets it opened when it is undeployed.
 */
final class OnEventLoop extends VerticleBase {

    private final Function<Vertx, Future<?>> listen;

    OnEventLoop(Function<Vertx, Future<?>> listen) {
        this.listen = listen;
    }

    @Override
    public Future<?> start() {
        return listen.apply(vertx);
    }
}
