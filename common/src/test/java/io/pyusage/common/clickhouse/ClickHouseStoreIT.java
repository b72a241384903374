package io.pyusage.common.clickhouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.pyusage.common.TestClickHouse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClickHouseStoreIT {

    private static final List<String> HOSTILE = List.of(
            "plain", "it's", "back\\slash", "\\'", "'; DROP TABLE starts; --", "new\nline", "tab\there",
            "nul\0byte", "bell\u0007", "unicode é ✓ 𝄞", "", "\\", "'", "''", "\\\\'", "%_*", "` \" $1 {p:String}");

    @Test
    void migrationsCreateTheDatabaseTheyAreGiven() {
        ClickHouseConfig config = TestClickHouse.freshDatabase("migrations");
        assertEquals(SchemaMigrations.ALL.size(), SchemaMigrations.apply(config));
        assertEquals(0, SchemaMigrations.apply(config));
    }

    @Test
    void escapedStringsRoundTripExactlyThroughTheServer() {
        try (ClickHouseStore store = new ClickHouseStore(TestClickHouse.freshDatabase("escaper").withDatabase("default"))) {
            for (String value : HOSTILE) {
                List<JsonNode> rows = store.query("SELECT " + Sql.string(value) + " AS v, length(v) AS n");
                assertEquals(1, rows.size(), value);
                assertEquals(value, rows.get(0).get("v").asText(), "round trip of " + value);
                assertEquals(value.getBytes(StandardCharsets.UTF_8).length, rows.get(0).get("n").asInt(), value);
            }
        }
    }

    @Test
    void jsonEachRowInsertIsReadBack() {
        ClickHouseConfig config = TestClickHouse.freshDatabase("insert");
        SchemaMigrations.apply(config);
        try (ClickHouseStore store = new ClickHouseStore(config)) {
            String rows = """
                    {"env_id":1,"name":"numpy","version":"1.26.4","first_seen":"2026-11-20"}
                    {"env_id":2,"name":"numpy","version":"2.1.0","first_seen":"2026-11-21"}
                    """;
            store.insertJsonEachRow("environment_packages", rows.getBytes(StandardCharsets.UTF_8));
            List<JsonNode> back = store.query("SELECT env_id, version FROM environment_packages WHERE name = "
                    + Sql.string("numpy") + " ORDER BY env_id");
            assertEquals(List.of("1.26.4", "2.1.0"), back.stream().map(r -> r.get("version").asText()).toList());
        }
    }

    @Test
    void serverErrorsBecomeClickHouseExceptionsWithTheReason() {
        try (ClickHouseStore store = new ClickHouseStore(TestClickHouse.freshDatabase("errors").withDatabase("default"))) {
            ClickHouseStore.ClickHouseException e = assertThrows(ClickHouseStore.ClickHouseException.class,
                    () -> store.query("SELECT no_such_column FROM system.one"));
            assertTrue(e.getMessage().contains("no_such_column"), e.getMessage());
            assertFalse(e.isRejectedData(), "a bad query is not bad data");
            assertTrue(store.ping());
        }
    }

    @Test
    void rowsTheServerCannotParseAreToldApartFromAMissingTable() {
        ClickHouseConfig config = TestClickHouse.freshDatabase("rejected");
        SchemaMigrations.apply(config);
        try (ClickHouseStore store = new ClickHouseStore(config)) {
            ClickHouseStore.ClickHouseException badRow = assertThrows(ClickHouseStore.ClickHouseException.class,
                    () -> store.insertJsonEachRow("starts", "{\"venv\":\"yes\"}\n".getBytes(StandardCharsets.UTF_8)));
            assertTrue(badRow.isRejectedData(), badRow.getMessage());
            ClickHouseStore.ClickHouseException noTable = assertThrows(ClickHouseStore.ClickHouseException.class,
                    () -> store.insertJsonEachRow("no_such_table", "{}\n".getBytes(StandardCharsets.UTF_8)));
            assertFalse(noTable.isRejectedData(), noTable.getMessage());
        }
    }

    @Test
    void aReadOnlyStoreWithLimitsRefusesWritesAndSaysWhenAQueryAsksTooMuch() {
        ClickHouseConfig config = TestClickHouse.freshDatabase("readonly");
        SchemaMigrations.apply(config);
        try (ClickHouseStore readOnly = new ClickHouseStore(config,
                Map.of("readonly", "2", "max_memory_usage", "20000000", "max_execution_time", "10"))) {
            assertEquals(1, readOnly.query("SELECT 1 AS one").get(0).get("one").asInt());
            assertThrows(ClickHouseStore.ClickHouseException.class, () -> readOnly.execute("DROP TABLE starts"));
            assertThrows(ClickHouseStore.ClickHouseException.class,
                    () -> readOnly.insertJsonEachRow("starts", "{\"user\":\"x\"}\n".getBytes(StandardCharsets.UTF_8)));
            ClickHouseStore.ClickHouseException tooMuch = assertThrows(ClickHouseStore.ClickHouseException.class,
                    () -> readOnly.query("SELECT groupArray(number) AS all FROM numbers(50000000)"));
            assertTrue(tooMuch.isLimitExceeded(), tooMuch.getMessage());
            assertFalse(tooMuch.isRejectedData());
        }
        try (ClickHouseStore store = new ClickHouseStore(config)) {
            assertEquals(1, store.query("SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = 'starts'")
                    .get(0).get("n").asInt(), "still there");
        }
    }

    /** Answers far larger than one startup record (whose parser limit is 512 KiB) are read whole. */
    @Test
    void largeAnswersAreReadWhole() {
        try (ClickHouseStore store = new ClickHouseStore(TestClickHouse.freshDatabase("large").withDatabase("default"))) {
            List<JsonNode> rows = store.query("SELECT number, concat(toString(number), ' is a long enough row to pass the limit together') AS filler FROM numbers(20000)");
            assertEquals(20_000, rows.size());
            assertEquals(19_999, rows.get(19_999).get("number").asInt());
        }
    }
}
