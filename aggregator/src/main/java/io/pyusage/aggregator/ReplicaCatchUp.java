package io.pyusage.aggregator;

import com.fasterxml.jackson.databind.JsonNode;
import io.pyusage.common.clickhouse.SqlRunner;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/**
 * Whether the replica an aggregator reads its Kafka positions from holds every insert it knew of
 * when the aggregator began to resume its partitions. An insert that another replica took just
 * before it died is known here (it is in ZooKeeper's log) but not held: positions read before it
 * is fetched would have its batch written a second time. Inserts made later do not hold this up.
 * One server has no replication queue, so it is caught up at once.
 */
final class ReplicaCatchUp {

    /** How long a resume waits for a dead replica's last inserts before it goes on without them. */
    static final Duration LONGEST_WAIT = Duration.ofMinutes(5);

    private static final String PENDING_FETCHES_QUERY = """
            SELECT concat(table, '/', node_name) AS entry FROM system.replication_queue
            WHERE database = currentDatabase() AND type = 'GET_PART'""";

    private final SqlRunner store;
    private final Duration longestWait;
    private Set<String> awaited;
    private long firstAskedAt;

    ReplicaCatchUp(SqlRunner store, Duration longestWait) {
        this.store = store;
        this.longestWait = longestWait;
    }

    /**
     * The inserts, among those pending at the first call, that the replica still lacks; empty once
     * it has them all or {@link #waitedTooLong()}.
     */
    Set<String> stillAwaited() {
        Set<String> pending = new HashSet<>();
        for (JsonNode row : store.query(PENDING_FETCHES_QUERY)) {
            pending.add(row.get("entry").asText());
        }
        if (awaited == null) {
            awaited = pending;
            firstAskedAt = System.nanoTime();
        } else {
            awaited.retainAll(pending);
        }
        return waitedTooLong() ? Set.of() : Set.copyOf(awaited);
    }

    /** True when inserts were still awaited after {@link #LONGEST_WAIT}: the replica that has them has not come back. */
    boolean waitedTooLong() {
        return awaited != null && !awaited.isEmpty() && System.nanoTime() - firstAskedAt > longestWait.toNanos();
    }
}
