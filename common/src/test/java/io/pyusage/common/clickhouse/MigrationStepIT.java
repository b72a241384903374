package io.pyusage.common.clickhouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pyusage.common.TestClickHouse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Migration as its own locked step, and the version check every service makes instead, on ClickHouse 18.16. */
class MigrationStepIT {

    @Test
    void twoRunsAtOnceApplyEachMigrationOnce() throws Exception {
        ClickHouseConfig config = TestClickHouse.freshDatabase("concurrent_migrate");
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            Callable<MigrationRun> run = () -> SchemaMigrations.migrate(config, "test run " + Thread.currentThread().getName(),
                    Duration.ofMinutes(2));
            List<Future<MigrationRun>> runs = threads.invokeAll(List.of(run, run));
            List<MigrationRun> done = List.of(runs.get(0).get(), runs.get(1).get());
            // One run applied everything, the other found nothing left after waiting for the lock.
            assertEquals(SchemaMigrations.ALL.size(), done.stream().mapToInt(r -> r.applied().size()).sum());
            assertTrue(done.stream().anyMatch(r -> r.applied().isEmpty()), done.toString());
            assertTrue(done.stream().allMatch(r -> r.versionAfter() == SchemaMigrations.LATEST), done.toString());
        } finally {
            threads.shutdownNow();
        }
        try (ClickHouseStore store = new ClickHouseStore(config)) {
            assertEquals(List.of(), store.query("SELECT version FROM schema_migrations GROUP BY version HAVING count() > 1"));
            assertEquals(0, store.query("SELECT name FROM system.tables WHERE database = currentDatabase() AND name = 'schema_migrations_lock'").size(),
                    "the lock is released");
        }
    }

    @Test
    void aRunReportsWhatItApplied() throws Exception {
        ClickHouseConfig config = TestClickHouse.freshDatabase("migrate_report");
        try (ClickHouseStore store = new ClickHouseStore(config.withDatabase("system"))) {
            store.execute("CREATE DATABASE " + config.database());
        }
        try (ClickHouseStore store = new ClickHouseStore(config, SchemaMigrations.SETTINGS)) {
            SchemaMigrations.apply(store, SchemaMigrations.ALL.subList(0, SchemaMigrations.ALL.size() - 2));
        }
        MigrationRun run = SchemaMigrations.migrate(config, "test", Duration.ZERO);
        assertEquals(SchemaMigrations.LATEST - 2, run.versionBefore());
        assertEquals(SchemaMigrations.LATEST, run.versionAfter());
        String report = run.describe("db");
        Migration last = SchemaMigrations.ALL.get(SchemaMigrations.ALL.size() - 1);
        assertTrue(report.contains("schema version " + (SchemaMigrations.LATEST - 2) + " -> " + SchemaMigrations.LATEST), report);
        assertTrue(report.contains("applied " + last.version() + ": " + last.name()), report);
        assertEquals("db: schema version " + SchemaMigrations.LATEST + ", nothing to apply",
                SchemaMigrations.migrate(config, "test", Duration.ZERO).describe("db"));
    }

    @Test
    void aLockLeftByACrashedRunNamesItsHolderUntilItIsRemoved() throws Exception {
        ClickHouseConfig config = TestClickHouse.migratedDatabase("stale_lock");
        try (ClickHouseStore store = new ClickHouseStore(config)) {
            SchemaLock.acquire(store, "pyusage-migrate run by ops on host-7, process 4242", Duration.ZERO); // never closed: a crash
            IllegalStateException held = assertThrows(IllegalStateException.class,
                    () -> SchemaMigrations.migrate(config, "a second run", Duration.ofSeconds(2)));
            assertTrue(held.getMessage().contains("pyusage-migrate run by ops on host-7, process 4242 since "), held.getMessage());
            assertTrue(held.getMessage().contains("pyusage-migrate --unlock"), held.getMessage());
            assertTrue(SchemaLock.release(store));
            assertFalse(SchemaLock.release(store));
        }
        assertTrue(SchemaMigrations.migrate(config, "after the unlock", Duration.ZERO).applied().isEmpty());
    }

    @Test
    void aServiceRefusesAnOlderSchemaNamingBothVersionsAndTheCommand() {
        ClickHouseConfig config = TestClickHouse.freshDatabase("older_schema");
        IllegalStateException none = assertThrows(IllegalStateException.class, () -> SchemaCheck.require(config.withDatabase("system"), "query API"));
        assertTrue(none.getMessage().contains("has schema version 0 and this query API needs version " + SchemaMigrations.LATEST), none.getMessage());
        SchemaMigrations.createDatabase(config);
        try (ClickHouseStore store = new ClickHouseStore(config, SchemaMigrations.SETTINGS)) {
            SchemaMigrations.apply(store, SchemaMigrations.ALL.subList(0, SchemaMigrations.ALL.size() - 1));
        }
        IllegalStateException older = assertThrows(IllegalStateException.class, () -> SchemaCheck.require(config, "aggregator"));
        assertTrue(older.getMessage().contains("has schema version " + (SchemaMigrations.LATEST - 1) + " and this aggregator needs version "
                + SchemaMigrations.LATEST + ": run the migrations first (pyusage-migrate"), older.getMessage());
        SchemaMigrations.apply(config);
        assertEquals(SchemaMigrations.LATEST, SchemaCheck.require(config, "aggregator"));
    }

    @Test
    void aNewerSchemaIsAcceptedUntilAMigrationBreaksOlderServices() {
        ClickHouseConfig config = TestClickHouse.migratedDatabase("newer_schema");
        int compatible = SchemaMigrations.LATEST + 1;
        int breaking = SchemaMigrations.LATEST + 2;
        try (ClickHouseStore store = new ClickHouseStore(config)) {
            // As a later release's pyusage-migrate records its migrations.
            store.execute("INSERT INTO schema_migrations (version, name, applied_at, breaks_older_services) VALUES ("
                    + compatible + ", 'a new column', now(), 0)");
            assertInstanceOf(SchemaCheck.NewerCompatible.class, SchemaCheck.verdict(store, SchemaMigrations.LATEST));
            assertEquals(compatible, SchemaCheck.require(config, "query API"));
            store.execute("INSERT INTO schema_migrations (version, name, applied_at, breaks_older_services) VALUES ("
                    + breaking + ", 'a column dropped', now(), 1)");
        }
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> SchemaCheck.require(config, "query API"));
        assertTrue(refused.getMessage().contains("migration " + breaking + " (a column dropped) does not work with older services"),
                refused.getMessage());
    }

    @Test
    void aRefusedLoginSaysWhichSettingsToCheck() {
        ClickHouseConfig config = TestClickHouse.migratedDatabase("wrong_password").withLogin("default", "not-the-password");
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> SchemaCheck.require(config, "query API"));
        assertTrue(refused.getMessage().contains("refused the login of user default: check PYUSAGE_CLICKHOUSE_USER and PYUSAGE_CLICKHOUSE_PASSWORD"),
                refused.getMessage());
    }
}
