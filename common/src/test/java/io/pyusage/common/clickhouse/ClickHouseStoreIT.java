package io.pyusage.common.clickhouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.pyusage.common.TestClickHouse;
import java.nio.charset.StandardCharsets;
import java.util.List;
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
}
