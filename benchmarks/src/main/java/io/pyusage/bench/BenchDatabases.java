package io.pyusage.bench;

import io.pyusage.common.clickhouse.ClickHouseConfig;
import io.pyusage.common.clickhouse.ClickHouseStore;
import io.pyusage.common.clickhouse.SchemaMigrations;
import io.pyusage.devstack.servers.EmbeddedClickHouse;
import java.net.URI;
import java.time.Duration;

/** Databases on a benchmark's own ClickHouse server: bulk loads of a year take minutes, so long timeouts. */
final class BenchDatabases {

    private static final Duration TIMEOUT = Duration.ofMinutes(10);

    private BenchDatabases() {
    }

    /** The database {@code name} on {@code server}, as it is (a service under test migrates it itself). */
    static ClickHouseConfig on(EmbeddedClickHouse server, String name) {
        return new ClickHouseConfig(URI.create(server.httpUrl()), name, "default", server.password(), TIMEOUT);
    }

    /** The database {@code name} on {@code server}, created and migrated to the project's schema. */
    static ClickHouseConfig migrated(EmbeddedClickHouse server, String name) {
        ClickHouseConfig config = on(server, name);
        SchemaMigrations.apply(config);
        return config;
    }

    /** The database {@code name} on {@code server}, created and migrated up to schema {@code version}. */
    static ClickHouseConfig migratedTo(EmbeddedClickHouse server, String name, int version) {
        ClickHouseConfig config = on(server, name);
        SchemaMigrations.createDatabase(config);
        try (ClickHouseStore store = new ClickHouseStore(config, SchemaMigrations.SETTINGS)) {
            SchemaMigrations.apply(store, SchemaMigrations.ALL.stream().filter(m -> m.version() <= version).toList());
        }
        return config;
    }

    /**
     * Waits, at most {@code atMost}, until the server runs no merge (the parts of a load are merged: their
     * CPU is not the next measurement's); returns how many were still running when it stopped waiting.
     */
    static int awaitMerges(ClickHouseStore store, Duration atMost) throws InterruptedException {
        long deadline = System.nanoTime() + atMost.toNanos();
        int running;
        while ((running = store.query("SELECT count() AS n FROM system.merges").get(0).get("n").asInt()) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(500);
        }
        return running;
    }
}
