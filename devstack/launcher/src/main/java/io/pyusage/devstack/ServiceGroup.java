package io.pyusage.devstack;

import io.pyusage.common.service.Service;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The pyusage services a launcher runs in its own JVM, each on a Vert.x of its own, as when it runs
 * alone (so its {@code /metrics} holds its own Vert.x meters); stopped in reverse order.
 */
final class ServiceGroup implements AutoCloseable {

    private final List<Service> services = new ArrayList<>();
    private final List<Vertx> vertxes = new ArrayList<>();

    /** Starts {@code service} and returns once it runs. */
    void launch(Service service) throws Exception {
        Vertx vertx = Service.newVertx(service.registry());
        vertxes.add(vertx);
        await(service.start(vertx));
        services.add(service);
    }

    /** Stops the services, the last started first, then their Vert.x instances; keeps going past failures. */
    @Override
    public void close() {
        List<Service> reversed = new ArrayList<>(services);
        Collections.reverse(reversed);
        for (Service service : reversed) {
            try {
                await(service.stop());
            } catch (Exception e) {
                // keep stopping the rest
            }
        }
        services.clear();
        for (Vertx vertx : vertxes) {
            try {
                await(vertx.close());
            } catch (Exception e) {
                // the servers behind them must still stop
            }
        }
        vertxes.clear();
    }

    private static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    }
}
