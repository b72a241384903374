package io.pyusage.common.clickhouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pyusage.common.TestClickHouse;
import io.pyusage.devstack.servers.EmbeddedClickHouse;
import io.pyusage.devstack.servers.EmbeddedClickHouse.ServiceUser;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The embedded server's least-privilege users: what ClickHouse 18.16 itself lets each of them do. */
class ServiceUsersIT {

    private static final String START = """
            {"day":"2020-01-15","ts":"2020-01-15 10:00:00","event_id":"00000000-0000-0000-0000-000000000001","user":"u","host":"h"}
            """;

    private static ClickHouseStore as(ServiceUser serviceUser, ClickHouseConfig database) {
        return as(serviceUser, database, Map.of());
    }

    /** A connection as {@code serviceUser} whose every request carries {@code settings}, as the query API's does. */
    private static ClickHouseStore as(ServiceUser serviceUser, ClickHouseConfig database, Map<String, String> settings) {
        EmbeddedClickHouse.Login login = TestClickHouse.server().login(serviceUser);
        return new ClickHouseStore(database.withLogin(login.user(), login.password()), settings);
    }

    private static void assertRefused(ClickHouseStore store, String statement, int code) {
        ClickHouseStore.ClickHouseException refused = assertThrows(ClickHouseStore.ClickHouseException.class, () -> store.execute(statement),
                statement);
        assertEquals(code, refused.serverCode(), refused.getMessage());
    }

    @Test
    void theReaderReadsAndSetsItsLimitsButChangesNothing() {
        ClickHouseConfig database = TestClickHouse.migratedDatabase("reader_rights");
        try (ClickHouseStore reader = as(ServiceUser.READER, database, Map.of("readonly", "2", "max_execution_time", "5"))) {
            assertEquals(0, reader.query("SELECT count() AS n FROM starts").get(0).get("n").asInt());
            // 164 READONLY: refused by the server, whatever the query API would send.
            ClickHouseStore.ClickHouseException insert = assertThrows(ClickHouseStore.ClickHouseException.class,
                    () -> reader.insertJsonEachRow("starts", START.getBytes(StandardCharsets.UTF_8)));
            assertEquals(164, insert.serverCode(), insert.getMessage());
            assertRefused(reader, "INSERT INTO starts (user) SELECT 'x'", 164);
            assertRefused(reader, "DROP TABLE starts", 164);
            assertRefused(reader, "ALTER TABLE starts DROP PARTITION 202001", 164);
        }
        try (ClickHouseStore reader = as(ServiceUser.READER, database)) {
            // It may not lift its own read-only setting either.
            ClickHouseStore.ClickHouseException lifted = assertThrows(ClickHouseStore.ClickHouseException.class,
                    () -> reader.query("SELECT 1 SETTINGS readonly = 0"));
            assertEquals(164, lifted.serverCode(), lifted.getMessage());
        }
    }

    @Test
    void theWriterInsertsButNeitherAltersNorDrops() {
        ClickHouseConfig database = TestClickHouse.migratedDatabase("writer_rights");
        try (ClickHouseStore writer = as(ServiceUser.WRITER, database)) {
            writer.insertJsonEachRow("starts", START.getBytes(StandardCharsets.UTF_8));
            assertEquals(1, writer.query("SELECT count() AS n FROM starts").get(0).get("n").asInt());
            // 392 QUERY_IS_PROHIBITED: DDL is off for it, ALTER and OPTIMIZE included.
            assertRefused(writer, "DROP TABLE starts", 392);
            assertRefused(writer, "CREATE TABLE t (x UInt8) ENGINE = TinyLog", 392);
            assertRefused(writer, "ALTER TABLE starts DROP PARTITION 202001", 392);
            assertRefused(writer, "OPTIMIZE TABLE starts FINAL", 392);
        }
        try (ClickHouseStore maintenance = as(ServiceUser.MAINTENANCE, database)) {
            maintenance.execute("ALTER TABLE starts DROP PARTITION 202001");
            assertEquals(0, maintenance.query("SELECT count() AS n FROM starts").get(0).get("n").asInt());
        }
    }

    @Test
    void theMigrateUserCreatesTheSchema() {
        ClickHouseConfig database = TestClickHouse.freshDatabase("migrate_rights");
        EmbeddedClickHouse.Login login = TestClickHouse.server().login(ServiceUser.MIGRATE);
        assertEquals(SchemaMigrations.ALL.size(), SchemaMigrations.apply(database.withLogin(login.user(), login.password())));
        try (ClickHouseStore reader = as(ServiceUser.READER, database)) {
            assertTrue(reader.query("SELECT version FROM schema_migrations").size() >= SchemaMigrations.ALL.size());
        }
    }
}
