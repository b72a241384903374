package io.pyusage.query;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.Timer;
import io.pyusage.common.clickhouse.ClickHouseStore;
import io.pyusage.common.clickhouse.RowsPage;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ClickHouse queries of one admitted API request: each runs on a worker thread (the calls
 * block), timed, with its request's ClickHouse {@code priority} and a {@code query_id} of its own, so
 * that {@link #cancel()} can stop the ones still running when the client goes away.
 */
final class RequestQueries {

    private static final Logger LOG = LoggerFactory.getLogger(RequestQueries.class);

    private final Vertx vertx;
    private final ClickHouseStore store;
    private final Timer latency;
    private final int priority;
    private final String id = UUID.randomUUID().toString();
    private final Set<String> running = ConcurrentHashMap.newKeySet();
    private int asked;
    private volatile boolean cancelled;

    RequestQueries(Vertx vertx, ClickHouseStore store, Timer latency, int priority) {
        this.vertx = vertx;
        this.store = store;
        this.latency = latency;
        this.priority = priority;
    }

    Future<List<JsonNode>> query(String sql) {
        return call(settings -> store.query(sql, settings));
    }

    Future<RowsPage> queryPage(String sql) {
        return call(settings -> store.queryPage(sql, settings));
    }

    /** Several queries one after the other on one worker, their rows together (a page's details in parts). */
    Future<List<JsonNode>> queryAll(List<String> sqls) {
        return call(settings -> sqls.stream().flatMap(sql -> store.query(sql, settings).stream()).toList());
    }

    /** Stops whatever this request still runs in ClickHouse; later calls are not started. */
    void cancel() {
        cancelled = true;
        Set<String> ids = Set.copyOf(running);
        if (!ids.isEmpty()) {
            vertx.executeBlocking(() -> {
                store.kill(ids);
                return null;
            }, false).onFailure(error -> LOG.warn("could not stop the queries of a request whose client left: {}", error.getMessage()));
        }
    }

    private <T> Future<T> call(Function<Map<String, String>, T> query) {
        String queryId = id + "-" + asked++;
        Callable<T> timed = () -> {
            if (cancelled) {
                throw new IllegalStateException("the client has gone");
            }
            running.add(queryId);
            try {
                return latency.recordCallable(() -> query.apply(Map.of("query_id", queryId, "priority", String.valueOf(priority))));
            } finally {
                running.remove(queryId);
            }
        };
        // Unordered, so that a slow query holds up no other.
        return vertx.executeBlocking(timed, false);
    }
}
