package io.pyusage.common.clickhouse;

import com.fasterxml.jackson.databind.JsonNode;
import io.pyusage.common.clickhouse.ClickHouseStore.ClickHouseException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The lock a migration run holds, so that two runs at once (two hosts upgrading together) never
 * apply the same migration twice: a table whose {@code CREATE} (without {@code IF NOT EXISTS})
 * succeeds for exactly one of them. It holds who took it and when; a run that crashed leaves it,
 * and {@link #release} (pyusage-migrate --unlock) removes it.
 */
public final class SchemaLock implements AutoCloseable {

    static final String TABLE = "schema_migrations_lock";
    private static final Duration POLL = Duration.ofSeconds(1);

    private final SqlRunner store;

    private SchemaLock(SqlRunner store) {
        this.store = store;
    }

    /** Takes the lock, waiting up to {@code wait} while another run holds it; fails naming the holder after that. */
    public static SchemaLock acquire(SqlRunner store, String holder, Duration wait) throws InterruptedException {
        Instant deadline = Instant.now().plus(wait);
        while (true) {
            try {
                store.execute("CREATE TABLE " + TABLE + " (holder String, since DateTime('UTC')) ENGINE = TinyLog");
                store.execute("INSERT INTO " + TABLE + " (holder, since) VALUES (" + Sql.string(holder) + ", now())");
                return new SchemaLock(store);
            } catch (ClickHouseException e) {
                if (!e.isAlreadyExisting()) {
                    throw e;
                }
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("another migration run holds the schema lock (" + holder(store)
                        + ") and did not finish within " + wait.toSeconds() + " s; if no run is going on (one that"
                        + " crashed leaves it), remove it with pyusage-migrate --unlock");
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    /** Who holds the lock and since when, as far as the lock table tells. */
    static String holder(SqlRunner store) {
        try {
            List<JsonNode> rows = store.query("SELECT holder, toString(since) AS since FROM " + TABLE + " LIMIT 1");
            return rows.isEmpty() ? "a run that is taking it now"
                    : rows.get(0).get("holder").asText() + " since " + rows.get(0).get("since").asText() + " UTC";
        } catch (ClickHouseException e) {
            return "its holder could not be read: " + e.getMessage();
        }
    }

    /** Removes the lock whoever holds it; true when there was one. */
    public static boolean release(SqlRunner store) {
        boolean held = !store.query("SELECT name FROM system.tables WHERE database = currentDatabase() AND name = "
                + Sql.string(TABLE)).isEmpty();
        drop(store);
        return held;
    }

    private static void drop(SqlRunner store) {
        store.execute("DROP TABLE IF EXISTS " + TABLE);
    }

    @Override
    public void close() {
        drop(store);
    }
}
