package io.pyusage.common.clickhouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.pyusage.common.TestEngines;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The schema, its rollups and its retention, on ClickHouse 18.16 and on the current release alike. */
class SchemaIT {

    @ParameterizedTest(name = "ClickHouse {0}")
    @ValueSource(strings = {TestEngines.SERVER_18_16, TestEngines.CURRENT})
    void migrationsApplyOnceAndCreateEveryTable(String engine) throws Exception {
        try (TestEngines.Engine store = TestEngines.open(engine, "migrations")) {
            assertEquals(SchemaMigrations.ALL.size(), SchemaMigrations.apply(store));
            assertEquals(0, SchemaMigrations.apply(store));
            assertEquals(SchemaMigrations.ALL.stream().map(Migration::version).toList(), SchemaMigrations.appliedVersions(store));
            // The materialized view's inner table is named differently across releases; leave it out.
            List<JsonNode> tables = store.query("SELECT name FROM system.tables WHERE database = currentDatabase()"
                    + " AND name NOT LIKE '.inner%' ORDER BY name");
            assertEquals(List.of("base_days", "base_days_mv", "base_environment_months", "base_environment_months_mv", "base_months",
                            "base_months_mv", "daily_environments", "daily_environments_mv", "daily_hosts", "daily_hosts_mv", "daily_starts", "daily_starts_mv",
                            "environment_package_lists", "environment_package_lists_mv", "environment_packages", "environments", "environments_mv",
                            "import_set_packages", "import_sets", "import_sets_mv", "kafka_import_positions", "kafka_positions", "monthly_environments",
                            "monthly_environments_mv", "monthly_imports", "monthly_imports_mv", "monthly_user_hosts", "monthly_user_hosts_mv", "schema_migrations", "start_imports", "starts"),
                    tables.stream().map(t -> t.get("name").asText()).toList());
        }
    }

    @ParameterizedTest(name = "ClickHouse {0}")
    @ValueSource(strings = {TestEngines.SERVER_18_16, TestEngines.CURRENT})
    void everyStepOfAMigrationCanRunAgainAfterIt(String engine) throws Exception {
        try (TestEngines.Engine store = TestEngines.open(engine, "migration_steps")) {
            // As after a migration that stopped half-way: its steps run again before the next one.
            for (int i = 0; i < SchemaMigrations.ALL.size(); i++) {
                assertEquals(1, SchemaMigrations.apply(store, SchemaMigrations.ALL.subList(0, i + 1)));
                SchemaMigrations.ALL.get(i).steps().forEach(step -> step.apply(store));
            }
            assertEquals(1, store.query("SELECT name FROM system.columns WHERE database = currentDatabase()"
                    + " AND table = 'starts' AND name = 'kafka_topic'").size());
            assertEquals(0, store.query("SELECT name FROM system.columns WHERE database = currentDatabase()"
                    + " AND table = 'starts' AND name IN ('pid', 'received_at')").size());
            assertEquals(List.of("startup_ms_digest"), store.query("SELECT name FROM system.columns WHERE database = currentDatabase()"
                    + " AND table = 'daily_starts' AND name LIKE 'startup%'").stream().map(row -> row.get("name").asText()).toList());
        }
    }

    @ParameterizedTest(name = "ClickHouse {0}")
    @ValueSource(strings = {TestEngines.SERVER_18_16, TestEngines.CURRENT})
    void rollupsCountEveryInsertedStartAndBackfillTheOnesBeforeThem(String engine) throws Exception {
        try (TestEngines.Engine store = TestEngines.open(engine, "rollups")) {
            SchemaMigrations.apply(store);
            undo(store, 3, "daily_starts", "daily_environments");
            // Starts stored before the rollups existed...
            insertStarts(store, start("2026-03-01", "alice", "h1", 1), start("2026-03-01", "bob", "h1", 1),
                    start("2026-03-02", "alice", "h2", 2));
            assertEquals(1, SchemaMigrations.apply(store));
            // ...and after: both counted once.
            insertStarts(store, start("2026-03-01", "alice", "h1", 1));

            List<JsonNode> perDay = store.query("""
                    SELECT toString(day) AS day, countMerge(starts) AS starts, uniqMerge(users) AS users, uniqMerge(hosts) AS hosts
                    FROM daily_starts GROUP BY day ORDER BY day""");
            assertEquals("2026-03-01", perDay.get(0).get("day").asText());
            assertEquals(3, perDay.get(0).get("starts").asLong());
            assertEquals(2, perDay.get(0).get("users").asLong());
            assertEquals(1, perDay.get(0).get("hosts").asLong());
            assertEquals(1, perDay.get(1).get("starts").asLong());

            List<JsonNode> perEnvironment = store.query("""
                    SELECT env_id, countMerge(starts) AS starts, uniqMerge(users) AS users
                    FROM daily_environments GROUP BY env_id ORDER BY env_id""");
            assertEquals(2, perEnvironment.size());
            assertEquals(3, perEnvironment.get(0).get("starts").asLong());
            assertEquals(2, perEnvironment.get(0).get("users").asLong());
            assertEquals(1, perEnvironment.get(1).get("starts").asLong());
            List<JsonNode> perHost = store.query("""
                    SELECT host, countMerge(starts) AS starts, groupUniqArray(user) AS users, toString(max(day)) AS last_seen
                    FROM daily_hosts GROUP BY host ORDER BY host""");
            assertEquals(2, perHost.size(), "filled by its view since the first migration run");
            assertEquals(3, perHost.get(0).get("starts").asLong());
            assertEquals(2, perHost.get(0).get("users").size());
            assertEquals("2026-03-01", perHost.get(0).get("last_seen").asText());
            List<JsonNode> perMonth = store.query("""
                    SELECT toString(month) AS month, env_id, user, countMerge(starts) AS starts, toString(maxMerge(last_seen)) AS last_seen
                    FROM monthly_environments GROUP BY month, env_id, user ORDER BY env_id, user""");
            assertEquals(List.of("2026-03-01 1 alice 2 2026-03-01 12:00:00", "2026-03-01 1 bob 1 2026-03-01 12:00:00",
                    "2026-03-01 2 alice 1 2026-03-02 12:00:00"), perMonth.stream().map(row -> row.get("month").asText() + " "
                    + row.get("env_id").asText() + " " + row.get("user").asText() + " " + row.get("starts").asText() + " "
                    + row.get("last_seen").asText()).toList(), "a row per month, environment and user, filled by its view");
            List<JsonNode> hosts = store.query("""
                    SELECT env_id, user, hosts, first_day
                    FROM (SELECT env_id, user, toString(minMerge(first_day)) AS first_day FROM monthly_environments GROUP BY env_id, user) AS days
                    ALL INNER JOIN (SELECT env_id, user, uniqMerge(hosts) AS hosts FROM monthly_user_hosts GROUP BY env_id, user) AS host_counts
                    USING env_id, user
                    ORDER BY env_id, user""");
            assertEquals(List.of("1 alice 1 2026-03-01", "1 bob 1 2026-03-01", "2 alice 1 2026-03-02"),
                    hosts.stream().map(row -> String.join(" ", row.get("env_id").asText(), row.get("user").asText(),
                            row.get("hosts").asText(), row.get("first_day").asText())).toList(), "hosts and first days, filled by its view");
            // Running the backfill step again must not count the stored starts twice.
            SchemaMigrations.ALL.get(2).steps().forEach(step -> step.apply(store));
            assertEquals(4, store.query("SELECT countMerge(starts) AS n FROM daily_starts").get(0).get("n").asLong());
        }
    }

    @ParameterizedTest(name = "ClickHouse {0}")
    @ValueSource(strings = {TestEngines.SERVER_18_16, TestEngines.CURRENT})
    void anUpgradeFromMigration8KeepsTheCountsAndBackfillsDigestsHostsAndFirstDays(String engine) throws Exception {
        try (TestEngines.Engine store = TestEngines.open(engine, "upgrade_from_8")) {
            List<Migration> before = SchemaMigrations.ALL.stream().filter(m -> m.version() <= 8).toList();
            SchemaMigrations.apply(store, before);
            // 1..99 ms on hosts h0..h9 in March before the upgrade (the old views know no digests, hosts
            // or first days), one more start of 100 ms on a new host in April after it.
            insertStarts(store, IntStream.rangeClosed(1, 99)
                    .mapToObj(ms -> start(ms < 50 ? "2026-03-02" : "2026-03-20", "u" + ms % 3, "h" + ms % 10, 1, ms)).toArray(String[]::new));
            assertEquals(SchemaMigrations.ALL.size() - before.size(), SchemaMigrations.apply(store));
            insertStarts(store, start("2026-04-01", "u0", "h-new", 1, 100));

            String summary = "SELECT countMerge(starts) AS starts, uniqMerge(users) AS users,"
                    + " arrayMap(q -> round(q), quantilesTDigestMerge(0.5, 0.95, 0.99)(startup_ms_digest)) AS ms FROM daily_starts";
            JsonNode days = store.query(summary).get(0);
            assertEquals(100, days.get("starts").asLong(), "each start counted once across the view's replacement");
            assertEquals(3, days.get("users").asLong());
            assertPercentiles(days.get("ms"), 50, 95, 99);
            String months = """
                    SELECT month_text AS month, starts, hosts, first_day, last_seen
                    FROM (SELECT toString(month) AS month_text, countMerge(starts) AS starts, toString(minMerge(first_day)) AS first_day,
                                 toString(maxMerge(last_seen)) AS last_seen
                          FROM monthly_environments GROUP BY month_text) AS counts
                    ALL INNER JOIN (SELECT toString(month) AS month_text, uniqMerge(hosts) AS hosts FROM monthly_user_hosts GROUP BY month_text) AS host_counts
                    USING month_text
                    ORDER BY month_text""";
            List<String> expected = List.of("2026-03-01 99 10 2026-03-02 2026-03-20 12:00:00", "2026-04-01 1 1 2026-04-01 2026-04-01 12:00:00");
            assertEquals(expected, monthRows(store.query(months)), "March's hosts and first day from the backfill, April's from the view");
            assertEquals(0, store.query("SELECT name FROM system.columns WHERE database = currentDatabase()"
                    + " AND table = 'monthly_environments' AND name = 'hosts'").size(), "the host states moved to monthly_user_hosts");
            // The backfills run again, as after the last migration stopped half-way (and, for the
            // digests, after a later one): counts, percentiles, hosts and first days stay.
            SchemaMigrations.ALL.stream().filter(m -> m.version() == 9 || m.version() == 11).forEach(m -> m.steps().forEach(step -> step.apply(store)));
            JsonNode again = store.query(summary).get(0);
            assertEquals(100, again.get("starts").asLong());
            assertPercentiles(again.get("ms"), 50, 95, 99);
            assertEquals(expected, monthRows(store.query(months)));
        }
    }

    private static List<String> monthRows(List<JsonNode> rows) {
        return rows.stream().map(row -> String.join(" ", row.get("month").asText(), row.get("starts").asText(), row.get("hosts").asText(),
                row.get("first_day").asText(), row.get("last_seen").asText())).toList();
    }

    /** The percentiles of 1..100 ms, within a millisecond or two: a t-digest interpolates. */
    private static void assertPercentiles(JsonNode actual, int... expected) {
        for (int i = 0; i < expected.length; i++) {
            assertTrue(Math.abs(actual.get(i).asDouble() - expected[i]) <= 2, "percentile " + i + " of " + actual);
        }
    }

    @ParameterizedTest(name = "ClickHouse {0}")
    @ValueSource(strings = {TestEngines.SERVER_18_16, TestEngines.CURRENT})
    void packageListsHoldEveryStoredPackageRowOfAnEnvironment(String engine) throws Exception {
        try (TestEngines.Engine store = TestEngines.open(engine, "package_lists")) {
            SchemaMigrations.apply(store);
            undo(store, 8, "environment_package_lists");
            // Rows stored before the lists existed...
            insertPackages(store, "{\"env_id\":1,\"name\":\"numpy\",\"version\":\"1.26.4\",\"first_seen\":\"2026-03-01\"}\n",
                    "{\"env_id\":1,\"name\":\"pandas\",\"version\":\"2.2.1\",\"first_seen\":\"2026-03-01\"}\n");
            assertEquals(1, SchemaMigrations.apply(store));
            // ...and after: an environment's rows split over two INSERTs, one of them written twice.
            String scipy = "{\"env_id\":1,\"name\":\"scipy\",\"version\":\"1.13.0\",\"first_seen\":\"2026-03-01\"}\n";
            insertPackages(store, scipy, "{\"env_id\":2,\"name\":\"requests\",\"version\":\"2.31.0\",\"first_seen\":\"2026-03-02\"}\n");
            insertPackages(store, scipy);
            SchemaMigrations.ALL.get(7).steps().forEach(step -> step.apply(store));

            List<JsonNode> lists = store.query("""
                    SELECT env_id, arraySort(groupUniqArrayArray(packages)) AS packages
                    FROM environment_package_lists GROUP BY env_id ORDER BY env_id""");
            assertEquals(List.of("1 [\"numpy 1.26.4\",\"pandas 2.2.1\",\"scipy 1.13.0\"]", "2 [\"requests 2.31.0\"]"),
                    lists.stream().map(row -> row.get("env_id").asText() + " " + row.get("packages")).toList(),
                    "the rows before the migration, then each block's by the view; joined, each package once");
        }
    }

    @ParameterizedTest(name = "ClickHouse {0}")
    @ValueSource(strings = {TestEngines.SERVER_18_16, TestEngines.CURRENT})
    void retentionDropsWholeMonthsOlderThanConfiguredAndKeepsRollupsLonger(String engine) throws Exception {
        try (TestEngines.Engine store = TestEngines.open(engine, "retention")) {
            SchemaMigrations.apply(store);
            insertStarts(store, start("2025-10-31", "old", "h", 1), start("2025-11-01", "kept", "h", 1),
                    start("2026-04-15", "new", "h", 1), start("2024-01-05", "oldest", "h", 1));

            List<String> dropped = new Retention(6, 24).dropExpired(store, LocalDate.parse("2026-04-20"));

            // Six months up to April 2026 start with November 2025.
            assertEquals(List.of("starts/202401", "starts/202510", "daily_hosts/202401", "daily_hosts/202510",
                    "monthly_environments/202401", "monthly_environments/202510", "monthly_user_hosts/202401", "monthly_user_hosts/202510",
                    "daily_starts/202401", "daily_environments/202401", "base_months/202401", "base_days/202401",
                    "base_environment_months/202401"), dropped);
            assertEquals(List.of("kept", "new"), store.query("SELECT user FROM starts ORDER BY user").stream()
                    .map(row -> row.get("user").asText()).toList());
            assertEquals(3, store.query("SELECT countMerge(starts) AS n FROM daily_starts").get(0).get("n").asLong());
            assertEquals(List.of(), new Retention(6, 24).dropExpired(store, LocalDate.parse("2026-04-20")));
            assertThrows(IllegalArgumentException.class, () -> new Retention(12, 6));
        }
    }

    @ParameterizedTest(name = "ClickHouse {0}")
    @ValueSource(strings = {TestEngines.SERVER_18_16, TestEngines.CURRENT})
    void endedMonthsAreMergedIntoOnePartPerTableOnce(String engine) throws Exception {
        try (TestEngines.Engine store = TestEngines.open(engine, "closed_months")) {
            SchemaMigrations.apply(store);
            // February in three INSERTs (three parts in every table), April (the current month) in two.
            for (String user : List.of("a", "b", "c")) {
                insertStarts(store, start("2026-02-03", user, "h1", 1), start("2026-02-17", user, "h2", 2));
                store.insertJsonEachRow("start_imports", """
                        {"day":"2026-02-03","user":"%s","host":"h1","base":"2026.01","imports_id":7,"import_count":1}
                        """.formatted(user).getBytes(StandardCharsets.UTF_8));
            }
            insertStarts(store, start("2026-04-01", "a", "h1", 1));
            insertStarts(store, start("2026-04-02", "b", "h1", 1));
            // March in one part and a late start: not worth rewriting the month for (ClickHouse merges such parts itself).
            insertStarts(store, IntStream.range(0, 19).mapToObj(i -> start("2026-03-05", "u" + i, "h1", 1)).toArray(String[]::new));
            insertStarts(store, start("2026-03-30", "late", "h1", 1));

            List<String> merged = ClosedMonths.merge(store, LocalDate.parse("2026-04-20"));

            assertTrue(merged.stream().noneMatch(p -> p.endsWith("/202604")), "not the current month: " + merged);
            // (March's rollups are a row or two a part: merging those is cheap, and may happen.)
            assertTrue(!merged.contains("starts/202603"), "not a month already in one part but for a late start: " + merged);
            for (String table : ClosedMonths.TABLES) {
                // ClickHouse may merge a few tiny parts on its own meanwhile; a month still split is the failure.
                assertEquals(1, parts(store, table, "202602"), table + ": one part for the ended month");
            }
            assertEquals(6, store.query("SELECT count() AS n FROM starts WHERE day < '2026-03-01'").get(0).get("n").asInt());
            assertEquals(6, store.query("SELECT countMerge(starts) AS n FROM daily_starts WHERE day < '2026-03-01'").get(0).get("n").asInt());
            assertEquals(List.of(), ClosedMonths.merge(store, LocalDate.parse("2026-04-20")), "a merged month is not merged again");
        }
    }

    @ParameterizedTest(name = "ClickHouse {0}")
    @ValueSource(strings = {TestEngines.SERVER_18_16, TestEngines.CURRENT})
    void resendColumnsAreClearedOnlyInMonthsTheResendCheckNoLongerReads(String engine) throws Exception {
        try (TestEngines.Engine store = TestEngines.open(engine, "resend_columns")) {
            SchemaMigrations.apply(store);
            // On 5 April the check reads back to 29 March: February has ended long enough, March not yet.
            insertStarts(store, sent("2026-02-10", "feb", 11), sent("2026-02-27", "feb", 12), sent("2026-03-30", "mar", 13),
                    sent("2026-04-04", "apr", 14));

            store.insertJsonEachRow("start_imports", """
                    {"day":"2026-02-10","user":"feb","host":"h1","base":"2026.01","imports_id":7,"import_count":1,"kafka_offset":21}
                    {"day":"2026-03-30","user":"mar","host":"h1","base":"2026.01","imports_id":7,"import_count":1,"kafka_offset":22}
                    """.getBytes(StandardCharsets.UTF_8));

            assertEquals(List.of("start_imports.kafka_offset/202602", "starts.event_id/202602", "starts.kafka_offset/202602"),
                    ResendColumns.clearSpent(store, LocalDate.parse("2026-04-05")));

            // Current releases clear in the background (a mutation); 18.16 at once.
            String zeroId = "00000000-0000-0000-0000-000000000000";
            List<String> expected = List.of("apr 14 " + id(14), "feb 0 " + zeroId, "feb 0 " + zeroId, "mar 13 " + id(13));
            List<String> stored = List.of();
            for (int i = 0; i < 100 && !(stored = resendColumns(store)).equals(expected); i++) {
                Thread.sleep(100);
            }
            assertEquals(expected, stored, "February's ids and offsets cleared, the rest of its rows and the later months kept");
            assertEquals(List.of(), ResendColumns.clearSpent(store, LocalDate.parse("2026-04-05")), "a cleared month is not cleared again");

            insertStarts(store, sent("2026-02-28", "late", 15));
            assertEquals(List.of("starts.event_id/202602", "starts.kafka_offset/202602"), ResendColumns.clearSpent(store, LocalDate.parse("2026-04-05")),
                    "a late start brings the columns back into the month");
            List<Long> importOffsets = List.of();
            for (int i = 0; i < 100 && !(importOffsets = store.query("SELECT kafka_offset FROM start_imports ORDER BY day").stream()
                    .map(row -> row.get("kafka_offset").asLong()).toList()).equals(List.of(0L, 22L)); i++) {
                Thread.sleep(100);
            }
            assertEquals(List.of(0L, 22L), importOffsets, "February's import offsets cleared too");
        }
    }

    private static List<String> resendColumns(SqlRunner store) {
        return store.query("SELECT user, kafka_offset, toString(event_id) AS id FROM starts ORDER BY user, kafka_offset, id").stream()
                .map(row -> row.get("user").asText() + " " + row.get("kafka_offset").asLong() + " " + row.get("id").asText()).toList();
    }

    private static String id(int n) {
        return "00000000-0000-0000-0000-0000000000%02d".formatted(n);
    }

    /** A start read from Kafka at {@code offset}, its event id made of the offset. */
    private static String sent(String day, String user, int offset) {
        return """
                {"day":"%s","ts":"%s 12:00:00","event_id":"%s","user":"%s","host":"h","base":"2026.01","python":"3.11.7",\
                "env_id":1,"kafka_topic":"t","kafka_partition":0,"kafka_offset":%d}
                """.formatted(day, day, id(offset), user, offset);
    }

    private static int parts(SqlRunner store, String table, String partition) {
        return store.query("SELECT count() AS n FROM system.parts WHERE database = currentDatabase() AND active AND table = "
                + Sql.string(table) + " AND partition_id = " + Sql.string(partition)).get(0).get("n").asInt();
    }

    private static String start(String day, String user, String host, int envId) {
        return start(day, user, host, envId, 12.5);
    }

    private static String start(String day, String user, String host, int envId, double startupMs) {
        return """
                {"day":"%s","ts":"%s 12:00:00","event_id":"00000000-0000-0000-0000-000000000000",\
                "user":"%s","host":"%s","base":"2026.01","python":"3.11.7","startup_ms":%s,"env_id":%d}
                """.formatted(day, day, user, host, startupMs, envId);
    }

    private static void insertStarts(SqlRunner store, String... rows) {
        store.insertJsonEachRow("starts", String.join("", rows).getBytes(StandardCharsets.UTF_8));
    }

    private static void insertPackages(SqlRunner store, String... rows) {
        store.insertJsonEachRow("environment_packages", String.join("", rows).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * As if migration {@code version} had not run: its rollups and their views dropped, its record
     * deleted (a mutation, which 18.16 runs asynchronously: waited for).
     */
    private static void undo(SqlRunner store, int version, String... rollups) throws InterruptedException {
        for (String rollup : rollups) {
            store.execute("DROP TABLE " + rollup + "_mv");
            store.execute("DROP TABLE " + rollup);
        }
        store.execute("ALTER TABLE schema_migrations DELETE WHERE version = " + version);
        for (int i = 0; i < 100 && !store.query("SELECT version FROM schema_migrations WHERE version = " + version).isEmpty(); i++) {
            Thread.sleep(100);
        }
    }
}
