package io.pyusage.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pyusage.common.TestEngines;
import io.pyusage.common.clickhouse.RowsPage;
import io.pyusage.common.clickhouse.SchemaMigrations;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every list of the API on known starts, on ClickHouse 18.16 and on the current release: the
 * answers, the filters, the pages and their totals, and hostile strings in every parameter.
 */
class QueriesIT {

    private static final LocalDate TODAY = KnownStarts.TODAY;
    private static final LocalDate RECENT = KnownStarts.RECENT;

    @ParameterizedTest(name = "ClickHouse {0}")
    @ValueSource(strings = {TestEngines.SERVER_18_16, TestEngines.CURRENT})
    void everyListAnswersFromTheStoredStarts(String engine) throws Exception {
        try (TestEngines.Engine store = loaded(engine)) {
            Filters recent = filters(Map.of());

            List<JsonNode> numpyUsers = page(store, PackageQueries.users("NumPy", null, recent), new Page(100, 0));
            assertEquals(List.of("ann", "bo", "ci-runner"), column(numpyUsers, "user"), "by starts, then name");
            JsonNode ann = numpyUsers.get(0);
            assertEquals(3, ann.get("starts").asInt());
            assertEquals(List.of("1.24.0", "1.26.4"), sorted(ann.get("versions")));
            assertEquals(2, ann.get("hosts").asInt(), "h1 and h2");
            assertEquals(List.of("2020.11"), sorted(ann.get("bases")));
            assertEquals(List.of("bo"), column(page(store, PackageQueries.users("numpy", "1.26.4", filters(Map.of("ci", "exclude", "user", "bo"))),
                    new Page(100, 0)), "user"));

            List<JsonNode> versions = page(store, PackageQueries.versions("numpy", recent), new Page(100, 0));
            assertEquals(List.of("1.26.4", "1.24.0"), column(versions, "version"), "by users");
            assertEquals(3, versions.get(0).get("users").asInt());
            assertEquals(2, versions.get(0).get("environments").asInt() + versions.get(1).get("environments").asInt());

            List<JsonNode> search = page(store, PackageQueries.search("pan", recent), new Page(100, 0));
            assertEquals(List.of("pandas"), column(search, "name"));
            assertEquals(3, search.get(0).get("users").asInt());
            store.insertJsonEachRow("environment_packages", """
                    {"env_id":1,"name":"pandas","version":"2.2.2","first_seen":"2026-01-01"}
                    """.getBytes(StandardCharsets.UTF_8));
            assertEquals(search.toString(), page(store, PackageQueries.search("pan", recent), new Page(100, 0)).toString(),
                    "a package row written twice counts once");
            assertEquals(List.of("numpy", "pandas"), column(page(store, PackageQueries.search(null, recent), new Page(100, 0)), "name").stream()
                    .sorted().toList());

            List<JsonNode> bases = page(store, UsageQueries.bases(recent), new Page(100, 0));
            assertEquals(List.of("2020.11", "2023.06"), column(bases, "base"));
            assertEquals(4, bases.get(0).get("starts").asInt());
            List<JsonNode> daily = store.query(UsageQueries.basesDaily(recent, new Page(100, 0)));
            assertEquals(2, daily.size());
            assertEquals(RECENT.toString(), daily.get(0).get("date").asText());
            assertEquals(4, daily.get(0).get("starts").asInt());
            assertEquals(daily.size(), store.query(UsageQueries.basesDaily(filters(Map.of("user", "ann")), new Page(100, 0))).size() + 1,
                    "with a user filter the series comes from the raw starts");

            // The old start is outside the default 90 days, inside a longer window.
            assertEquals(4, page(store, PackageQueries.users("numpy", null, filters(Map.of("since", "365d"))), new Page(100, 0)).size());
        }
    }

    @ParameterizedTest(name = "ClickHouse {0}")
    @ValueSource(strings = {TestEngines.SERVER_18_16, TestEngines.CURRENT})
    void whoImportedAPackageIsAnsweredFromTheImportRecords(String engine) throws Exception {
        try (TestEngines.Engine store = loaded(engine)) {
            store.insertJsonEachRow("import_set_packages", """
                    {"imports_id":101,"name":"numpy","version":"1.26.4","first_seen":"2026-01-01"}
                    {"imports_id":102,"name":"numpy","version":"1.24.0","first_seen":"2026-01-01"}
                    {"imports_id":102,"name":"pandas","version":"2.2.2","first_seen":"2026-01-01"}
                    {"imports_id":103,"name":"pandas","version":"2.2.2","first_seen":"2026-01-01"}
                    """.getBytes(StandardCharsets.UTF_8));
            // bo has numpy installed (KnownStarts) but imported only pandas; dee imported numpy long ago.
            store.insertJsonEachRow("start_imports", (imported(RECENT, "ann", "h1", 102, 0) + imported(RECENT, "ann", "h2", 101, 0)
                    + imported(RECENT, "bo", "h3", 103, 0) + imported(RECENT, "ci-runner", "ci1", 101, 1) + imported(KnownStarts.OLD, "dee", "h4", 101, 0))
                    .getBytes(StandardCharsets.UTF_8));
            Filters recent = filters(Map.of());

            List<JsonNode> importers = page(store, PackageQueries.users("numpy", null, recent, Usage.IMPORTED), new Page(100, 0));
            assertEquals(List.of("ann", "ci-runner"), column(importers, "user"), "by starts, then name; not bo, who only has it installed");
            JsonNode ann = importers.get(0);
            assertEquals(2, ann.get("starts").asInt());
            assertEquals(List.of("1.24.0", "1.26.4"), sorted(ann.get("versions")));
            assertEquals(2, ann.get("hosts").asInt(), "h1 and h2");
            assertEquals(RECENT.toString(), ann.get("last_seen").asText());
            assertEquals(List.of("ann", "bo", "ci-runner"), column(page(store, PackageQueries.users("numpy", null, recent, Usage.INSTALLED),
                    new Page(100, 0)), "user"), "installed, as before");
            assertEquals(List.of("ann"), column(page(store, PackageQueries.users("numpy", null, filters(Map.of("ci", "exclude")), Usage.IMPORTED),
                    new Page(100, 0)), "user"));
            assertEquals(List.of("ann"), column(page(store, PackageQueries.users("numpy", "1.24.0", recent, Usage.IMPORTED), new Page(100, 0)),
                    "user"));
            // A year holds whole months: they come from monthly_imports, the days around them from start_imports.
            List<JsonNode> year = page(store, PackageQueries.users("numpy", null, filters(Map.of("since", "365d")), Usage.IMPORTED), new Page(100, 0));
            assertEquals(List.of("ann", "ci-runner", "dee"), column(year, "user"));
            assertEquals(List.of("ann", "bo"), column(page(store, PackageQueries.users("pandas", null, recent, Usage.IMPORTED), new Page(100, 0)),
                    "user"), "a set imported by each");

            // The other package answers, imported.
            List<JsonNode> versions = page(store, PackageQueries.versions("numpy", recent, Usage.IMPORTED), new Page(100, 0));
            assertEquals(List.of("1.26.4 2 2 2", "1.24.0 1 1 1"), versions.stream().map(row -> row.get("version").asText() + " "
                    + row.get("users").asInt() + " " + row.get("hosts").asInt() + " " + row.get("starts").asInt()).toList(),
                    "version, users, hosts, starts");
            List<JsonNode> search = page(store, PackageQueries.search("", recent, Usage.IMPORTED), new Page(100, 0));
            assertEquals(List.of("numpy 2 3", "pandas 2 2"), search.stream().map(row -> row.get("name").asText() + " "
                    + row.get("users").asInt() + " " + row.get("starts").asInt()).toList(), "name, users, starts");
            // Installed on the base and imported by none of its processes: what its maintainers can drop.
            store.insertJsonEachRow("environment_packages", """
                    {"env_id":1,"name":"unused-tool","version":"1.0","first_seen":"2026-01-01"}
                    {"env_id":3,"name":"other-base-tool","version":"2.0","first_seen":"2026-01-01"}
                    """.getBytes(StandardCharsets.UTF_8));
            Filters onOldBase = filters(Map.of("base", "2020.11"));
            List<JsonNode> unused = page(store, UnusedQueries.unused(onOldBase), new Page(100, 0));
            assertEquals(List.of("unused-tool"), column(unused, "name"), "numpy and pandas were imported there; the other tool is on no start of the base");
            assertEquals(1, unused.get(0).get("environments").asInt());
            assertEquals(2, unused.get(0).get("users").asInt(), "ann and ci-runner started in environment 1");
            assertEquals(List.of("1.0"), sorted(unused.get(0).get("versions")));
            JsonNode coverage = store.query(UnusedQueries.coverage(onOldBase)).get(0);
            assertEquals(4, coverage.get("starts").asInt());
            assertEquals(4, coverage.get("import_records").asInt(), "ann's two, bo's and ci-runner's");
            // The deprecation report marks what the base's processes imported, and puts the imported and not ready first.
            List<JsonNode> report = store.query(DeprecationQueries.packages(onOldBase, "no-such-base").exact());
            assertEquals(List.of("numpy 1.24.0 1", "numpy 1.26.4 1", "pandas 2.2.2 1", "unused-tool 1.0 0"), report.stream()
                    .map(row -> row.get("name").asText() + " " + row.get("version").asText() + " " + row.get("imported").asInt()).toList());
            List<JsonNode> trend = page(store, TrendQueries.packageTrend("numpy", "day", recent, Usage.IMPORTED), new Page(100, 0));
            assertEquals(List.of(RECENT + " 1.24.0 1 1", RECENT + " 1.26.4 2 2"), trend.stream().map(row -> row.get("period").asText() + " "
                    + row.get("version").asText() + " " + row.get("starts").asInt() + " " + row.get("users").asInt()).toList());
        }
    }

    private static String imported(LocalDate day, String user, String host, int importsId, int ci) {
        return """
                {"day":"%s","user":"%s","host":"%s","base":"2020.11","prefix":"/home/%s/venv","python":"3.11.7","imports_id":%d,"import_count":1,"ci":%d}
                """.formatted(day, user, host, user, importsId, ci);
    }

    @ParameterizedTest(name = "ClickHouse {0}")
    @ValueSource(strings = {TestEngines.SERVER_18_16, TestEngines.CURRENT})
    void usersHostsAndTrendsAnswerFromTheStoredStarts(String engine) throws Exception {
        try (TestEngines.Engine store = loaded(engine)) {
            Filters recent = filters(Map.of());

            List<JsonNode> annEnvironments = page(store, SubjectQueries.userEnvironments(recent.forUser("ann")), new Page(100, 0));
            assertEquals(1, annEnvironments.size(), "one prefix, base and Python");
            assertEquals(3, annEnvironments.get(0).get("starts").asInt());
            assertEquals(2, annEnvironments.get(0).get("package_sets").asInt());
            assertEquals(List.of("h1", "h2"), sorted(annEnvironments.get(0).get("hosts")));
            List<JsonNode> annPackages = store.query(SubjectQueries.topPackages(recent.forUser("ann")));
            assertEquals(List.of("numpy", "pandas"), column(annPackages, "name"), "numpy in 3 starts, pandas in 1");
            assertEquals(3, annPackages.get(0).get("starts").asInt());
            assertEquals(List.of("1.24.0", "1.26.4"), sorted(annPackages.get(0).get("versions")));

            List<JsonNode> h2 = page(store, SubjectQueries.hostEnvironments(recent.forHost("h2")), new Page(100, 0));
            assertEquals(List.of("ann"), sorted(h2.get(0).get("users")));
            assertEquals(List.of("numpy"), column(store.query(SubjectQueries.topPackages(recent.forHost("h2"))), "name"));

            List<JsonNode> byBase = page(store, TrendQueries.starts("day", "base", recent), new Page(100, 0));
            assertEquals(List.of("2020.11", "2023.06"), column(byBase, "key"));
            assertEquals(RECENT.toString(), byBase.get(0).get("period").asText());
            assertEquals(2, byBase.get(0).get("users").asInt(), "ann and ci-runner");
            List<JsonNode> weekly = page(store, TrendQueries.starts("week", "python", filters(Map.of("user", "ann"))), new Page(100, 0));
            assertEquals(1, weekly.size());
            assertEquals(RECENT.with(java.time.DayOfWeek.MONDAY).toString(), weekly.get(0).get("period").asText());
            assertEquals(3, weekly.get(0).get("starts").asInt());

            List<JsonNode> numpyTrend = page(store, TrendQueries.packageTrend("numpy", "day", recent), new Page(100, 0));
            assertEquals(List.of("1.24.0", "1.26.4"), column(numpyTrend, "version"));
            assertEquals(2, numpyTrend.get(0).get("starts").asInt());
            assertEquals(3, numpyTrend.get(1).get("users").asInt());
        }
    }

    @ParameterizedTest(name = "ClickHouse {0}")
    @ValueSource(strings = {TestEngines.SERVER_18_16, TestEngines.CURRENT})
    void theDeprecationReportNamesWhoRemainsAndWhatIsNotReadyOnTheTarget(String engine) throws Exception {
        try (TestEngines.Engine store = loaded(engine)) {
            Filters onOldBase = filters(Map.of("base", "2020.11"));
            List<JsonNode> remaining = page(store, DeprecationQueries.remaining(onOldBase), new Page(100, 0));
            assertEquals(List.of("ann h1", "ann h2", "ci-runner ci1"),
                    remaining.stream().map(r -> r.get("user").asText() + " " + r.get("host").asText()).toList());
            assertEquals(2, remaining.get(1).get("starts").asInt());

            List<JsonNode> packages = store.query(DeprecationQueries.packages(onOldBase, "2023.06").exact());
            assertEquals(packages.toString(), withoutRepeated(store.query(DeprecationQueries.packages(onOldBase, "2023.06").plain())).toString(),
                    "no package row is stored twice: the plain form is exact");
            assertEquals(List.of("numpy==1.24.0 ready=0", "numpy==1.26.4 ready=1", "pandas==2.2.2 ready=1"),
                    packages.stream().map(p -> p.get("name").asText() + "==" + p.get("version").asText() + " ready=" + p.get("ready").asInt())
                            .toList(), "not ready first");
            assertEquals(2, packages.get(0).get("starts").asInt());

            // From the raw starts when a filter is one the environment rollup lacks: ann's starts only.
            List<JsonNode> annPackages = store.query(DeprecationQueries.packages(filters(Map.of("base", "2020.11", "user", "ann")), "2023.06").exact());
            assertEquals(List.of("numpy==1.24.0 starts=2", "numpy==1.26.4 starts=1", "pandas==2.2.2 starts=1"),
                    annPackages.stream().map(p -> p.get("name").asText() + "==" + p.get("version").asText() + " starts=" + p.get("starts").asInt())
                            .toList());
            // A package set written twice (two aggregators saw it first) counts once until ClickHouse merges it away.
            store.insertJsonEachRow("environment_packages", """
                    {"env_id":2,"name":"numpy","version":"1.24.0","first_seen":"2026-01-01"}
                    """.getBytes(StandardCharsets.UTF_8));
            assertEquals(packages.toString(), store.query(DeprecationQueries.packages(onOldBase, "2023.06").exact()).toString());
            Filters rawOnOldBase = filters(Map.of("base", "2020.11", "python", "3.11.7"));
            assertEquals(packages.toString(), store.query(DeprecationQueries.packages(rawOnOldBase, "2023.06").exact()).toString());
            List<JsonNode> plain = store.query(DeprecationQueries.packages(rawOnOldBase, "2023.06").plain());
            assertEquals(List.of("numpy==1.24.0 repeated=1", "numpy==1.26.4 repeated=0", "pandas==2.2.2 repeated=0"),
                    plain.stream().map(p -> p.get("name").asText() + "==" + p.get("version").asText() + " repeated=" + p.get("repeated").asInt())
                            .toList(), "the plain form marks the repeated row, so the exact one is asked");
            assertEquals(1, store.query(DeprecationQueries.packages(onOldBase, "2023.06").plain()).get(0).get("repeated").asInt(),
                    "from the environments by base too");
            assertEquals(List.of(), page(store, DeprecationQueries.remaining(filters(Map.of("base", "2023.06", "ci", "only"))), new Page(10, 0)));
        }
    }

    /** Every start of the known data runs Python 3.11.7: with that filter the lists read the raw starts. */
    @ParameterizedTest(name = "ClickHouse {0}")
    @ValueSource(strings = {TestEngines.SERVER_18_16, TestEngines.CURRENT})
    void theEnvironmentRollupAndTheRawStartsGiveTheSameAnswers(String engine) throws Exception {
        try (TestEngines.Engine store = loaded(engine)) {
            Filters rollup = filters(Map.of("base", "2020.11"));
            Filters raw = filters(Map.of("base", "2020.11", "python", "3.11.7"));
            assertTrue(rollup.fits(Filters.Table.DAILY_ENVIRONMENTS) && !raw.fits(Filters.Table.DAILY_ENVIRONMENTS));
            assertEquals(page(store, PackageQueries.versions("numpy", raw), new Page(100, 0)).toString(),
                    page(store, PackageQueries.versions("numpy", rollup), new Page(100, 0)).toString());
            // A year: the old start from the monthly totals, the recent ones from the days around the whole months.
            Filters yearRollup = filters(Map.of("since", "365d", "base", "2020.11"));
            List<JsonNode> yearVersions = page(store, PackageQueries.versions("numpy", yearRollup), new Page(100, 0));
            assertEquals(page(store, PackageQueries.versions("numpy", filters(Map.of("since", "365d", "base", "2020.11", "python", "3.11.7"))),
                    new Page(100, 0)).toString(), yearVersions.toString());
            JsonNode older = yearVersions.stream().filter(v -> v.get("version").asText().equals("1.24.0")).findFirst().orElseThrow();
            assertEquals(List.of(2, 2, 3, KnownStarts.OLD.toString(), KnownStarts.RECENT.toString()),
                    List.of(older.get("users").asInt(), older.get("hosts").asInt(), older.get("starts").asInt(),
                            older.get("first_seen").asText(), older.get("last_seen").asText()), "ann and old-timer on h2 and h9");
            assertEquals(page(store, TrendQueries.packageTrend("numpy", "week", raw), new Page(100, 0)).toString(),
                    page(store, TrendQueries.packageTrend("numpy", "week", rollup), new Page(100, 0)).toString());
            assertEquals(store.query(DeprecationQueries.packages(raw, "2023.06").exact()).toString(),
                    store.query(DeprecationQueries.packages(rollup, "2023.06").exact()).toString());
            assertEquals(store.query(DeprecationQueries.packages(raw, "2023.06").plain()).toString(),
                    store.query(DeprecationQueries.packages(rollup, "2023.06").plain()).toString());
            List<JsonNode> bases = page(store, UsageQueries.bases(rollup), new Page(100, 0));
            assertEquals(page(store, UsageQueries.bases(raw), new Page(100, 0)).toString(), bases.toString());
            assertEquals(List.of("2020.11"), column(bases, "base"));
            Filters everyBase = filters(Map.of("since", "3650d"));
            assertTrue(everyBase.fits(Filters.Table.DAILY_ENVIRONMENTS));
            assertEquals(page(store, UsageQueries.bases(filters(Map.of("since", "3650d", "python", "3.11.7"))), new Page(100, 0)).toString(),
                    page(store, UsageQueries.bases(everyBase), new Page(100, 0)).toString());

            // A host's lists from daily_hosts, and from the raw starts under a ci filter that keeps them all.
            Filters hostRollup = filters(Map.of()).forHost("h2");
            Filters hostRaw = filters(Map.of("ci", "exclude")).forHost("h2");
            assertTrue(hostRollup.fits(Filters.Table.DAILY_HOSTS) && !hostRaw.fits(Filters.Table.DAILY_HOSTS));
            List<JsonNode> environments = page(store, SubjectQueries.hostEnvironments(hostRollup), new Page(100, 0));
            assertEquals(page(store, SubjectQueries.hostEnvironments(hostRaw), new Page(100, 0)).toString(), environments.toString());
            assertEquals(2, environments.get(0).get("starts").asInt());
            assertEquals(store.query(SubjectQueries.topPackages(hostRaw)).toString(), store.query(SubjectQueries.topPackages(hostRollup)).toString());
        }
    }

    /** A year's window holds the old start's whole month: that month is read from the monthly rollup, the rest from the starts. */
    @ParameterizedTest(name = "ClickHouse {0}")
    @ValueSource(strings = {TestEngines.SERVER_18_16, TestEngines.CURRENT})
    void theMonthlyRollupAndTheRawStartsGiveTheSameAnswers(String engine) throws Exception {
        try (TestEngines.Engine store = loaded(engine)) {
            Filters months = filters(Map.of("since", "365d"));
            Filters raw = filters(Map.of("since", "365d", "python", "3.11.7"));
            assertTrue(EnvironmentStarts.rows(months, "1").contains("FROM monthly_environments"));
            assertFalse(EnvironmentStarts.rows(raw, "1").contains("monthly_environments"));

            List<JsonNode> users = page(store, PackageQueries.users("numpy", null, months), new Page(100, 0));
            assertEquals(page(store, PackageQueries.users("numpy", null, raw), new Page(100, 0)).toString(), users.toString());
            JsonNode oldTimer = users.get(users.size() - 1);
            assertEquals("old-timer", oldTimer.get("user").asText());
            assertEquals(1, oldTimer.get("hosts").asInt(), "h9, from the month's host state");
            assertEquals(KnownStarts.OLD + " 10:00:00", oldTimer.get("last_seen").asText());
            assertEquals(page(store, PackageQueries.search("", raw), new Page(100, 0)).toString(),
                    page(store, PackageQueries.search("", months), new Page(100, 0)).toString());
            assertEquals(store.query(PackageQueries.users("numpy", null, raw).count()).toString(),
                    store.query(PackageQueries.users("numpy", null, months).count()).toString());
            List<JsonNode> oldPackages = store.query(SubjectQueries.topPackages(months.forUser("old-timer")));
            assertEquals(List.of("numpy"), column(oldPackages, "name"));
            assertEquals(store.query(SubjectQueries.topPackages(raw.forUser("old-timer"))).toString(), oldPackages.toString());
            assertEquals(1, store.query(PackageQueries.users("numpy", null, filters(Map.of("since", "365d", "ci", "only"))).count())
                    .get(0).get("total").asInt(), "the CI runner only");
        }
    }

    /**
     * A window that starts on the 6th of a month reads that month from the monthly rollup less the
     * starts of its first five days: a start before the window is taken away, a row with none left
     * is left out, and the answers are those of the raw starts.
     */
    @ParameterizedTest(name = "ClickHouse {0}")
    @ValueSource(strings = {TestEngines.SERVER_18_16, TestEngines.CURRENT})
    void aWindowThatStartsEarlyInAMonthReadsThatMonthLessItsFirstDays(String engine) throws Exception {
        try (TestEngines.Engine store = loaded(engine)) {
            LocalDate month = TODAY.withDayOfMonth(1).minusMonths(3);
            String starts = KnownStarts.start(month.plusDays(1), "early", "h5", "2020.11", 1, false)
                    + KnownStarts.start(month.plusDays(1), "both", "h6", "2020.11", 1, false)
                    + KnownStarts.start(month.plusDays(20), "both", "h6", "2020.11", 1, false)
                    + KnownStarts.start(month.plusDays(1), "both", "h7", "2020.11", 2, false);
            store.insertJsonEachRow("starts", starts.getBytes(StandardCharsets.UTF_8));
            String since = month.plusDays(5).toString();
            Filters rollup = filters(Map.of("since", since));
            Filters raw = filters(Map.of("since", since, "python", "3.11.7"));
            assertTrue(EnvironmentStarts.rows(rollup, "1").contains("-toInt64(count())"), EnvironmentStarts.rows(rollup, "1"));
            assertFalse(EnvironmentStarts.rows(filters(Map.of("since", month.plusDays(20).toString())), "1").contains("-toInt64(count())"),
                    "a window that starts late in a month reads its days raw");

            List<JsonNode> users = page(store, PackageQueries.users("numpy", null, rollup), new Page(100, 0));
            assertEquals(page(store, PackageQueries.users("numpy", null, raw), new Page(100, 0)).toString(), users.toString());
            assertFalse(column(users, "user").contains("early"), "every start of hers lies before the window");
            JsonNode both = users.stream().filter(row -> row.get("user").asText().equals("both")).findFirst().orElseThrow();
            assertEquals(1, both.get("starts").asInt(), "the 21st's start, the 2nd's taken away");
            assertEquals(List.of("1.26.4"), sorted(both.get("versions")), "environment 2 was started before the window only");
            assertEquals(month.plusDays(20) + " 10:00:00", both.get("last_seen").asText());
            assertEquals(page(store, PackageQueries.search("", raw), new Page(100, 0)).toString(),
                    page(store, PackageQueries.search("", rollup), new Page(100, 0)).toString());
            assertEquals(store.query(SubjectQueries.topPackages(raw.forUser("both"))).toString(),
                    store.query(SubjectQueries.topPackages(rollup.forUser("both"))).toString());
        }
    }

    @ParameterizedTest(name = "ClickHouse {0}")
    @ValueSource(strings = {TestEngines.SERVER_18_16, TestEngines.CURRENT})
    void pagesDoNotOverlapAndTheTotalCountsEveryRow(String engine) throws Exception {
        try (TestEngines.Engine store = loaded(engine)) {
            ListQuery users = PackageQueries.users("numpy", null, filters(Map.of()));
            List<String> all = new ArrayList<>();
            for (int offset = 0; offset < 4; offset += 2) {
                all.addAll(column(page(store, users, new Page(2, offset)), "user"));
            }
            assertEquals(List.of("ann", "bo", "ci-runner"), all);
            assertEquals(3, store.query(users.count()).get(0).get("total").asInt());
        }
    }

    /** The report's remaining starts are paged by their users' row counts: every page as the whole sorted list has it. */
    @ParameterizedTest(name = "ClickHouse {0}")
    @ValueSource(strings = {TestEngines.SERVER_18_16, TestEngines.CURRENT})
    void aKeyedListsPagesAreThoseOfTheWholeList(String engine) throws Exception {
        try (TestEngines.Engine store = loaded(engine)) {
            // A name that must be escaped, as a key bound into the page's query.
            store.insertJsonEachRow("starts", """
                    {"day":"%s","ts":"%s 11:00:00","user":"o'neil \\\\ x","host":"h4","base":"2020.11","prefix":"/p","entry":"-c","env_id":1}
                    {"day":"%s","ts":"%s 12:00:00","user":"o'neil \\\\ x","host":"h4","base":"2020.11","prefix":"/p","entry":"-m x","env_id":1}
                    """.formatted(RECENT, RECENT, RECENT, RECENT).getBytes(StandardCharsets.UTF_8));
            ListQuery remaining = DeprecationQueries.remaining(filters(Map.of("base", "2020.11")));
            List<JsonNode> whole = store.query(remaining.sql());
            assertEquals(5, whole.size());
            assertTrue(whole.toString().contains("o'neil \\\\ x"), whole.toString());
            List<JsonNode> rowsPerKey = store.query(remaining.keyed().rowsPerKey());
            for (int limit = 1; limit <= 6; limit++) {
                for (int offset = 0; offset <= 6; offset++) {
                    Page page = new Page(limit, offset);
                    KeyedList.Located located = KeyedList.locate(rowsPerKey, page);
                    assertEquals(whole.size(), located.total());
                    List<JsonNode> rows = located.isEmpty() ? List.of() : store.query(remaining.keyed().page(located, page));
                    assertEquals(whole.subList(Math.min(offset, whole.size()), Math.min(offset + limit, whole.size())).toString(),
                            rows.toString(), page.toString());
                }
            }
        }
    }

    /** The API takes a plain list's total from its page's answer: it must be the count, on any page. */
    @ParameterizedTest(name = "ClickHouse {0}")
    @ValueSource(strings = {TestEngines.SERVER_18_16, TestEngines.CURRENT})
    void aPlainOrRankedListsPageTellsHowManyRowsItHasInAll(String engine) throws Exception {
        try (TestEngines.Engine store = loaded(engine)) {
            Filters all = filters(Map.of("since", "3650d"));
            List<ListQuery> lists = List.of(PackageQueries.search("", all), PackageQueries.versions("numpy", all),
                    PackageQueries.versions("numpy", filters(Map.of("since", "3650d", "ci", "exclude"))), UsageQueries.bases(all),
                    UsageQueries.bases(filters(Map.of("since", "3650d", "python", "3.11.7"))), TrendQueries.starts("day", "base", all),
                    TrendQueries.packageTrend("numpy", "day", all), PackageQueries.users("numpy", null, all),
                    DeprecationQueries.remaining(filters(Map.of("since", "3650d", "base", "2020.11"))));
            for (ListQuery list : lists) {
                long count = store.query(list.count()).get(0).get("total").asLong();
                assertTrue(count >= 2, "a list of more than one row: " + list.sql());
                for (Page page : List.of(new Page(1, 0), new Page(1, 1), new Page(5, (int) count + 3))) {
                    RowsPage answer = store.queryPage(list.page(page));
                    assertEquals(store.query(list.page(page)).toString(), answer.rows().toString());
                    assertEquals(count, answer.rowsBeforeLimit().orElseThrow(), page + " of " + list.sql());
                }
            }
        }
    }

    @ParameterizedTest(name = "ClickHouse {0}")
    @ValueSource(strings = {TestEngines.SERVER_18_16, TestEngines.CURRENT})
    void hostileStringsInEveryParameterAreValuesNotSql(String engine) throws Exception {
        List<String> hostile = List.of("'; DROP TABLE starts; --", "\\' OR 1=1 --", "ann' OR '1'='1", "` \" $1 {p:String}", "\u0000",
                "x\\", "é ✓ 𝄞", "100% %s %n {page}");
        try (TestEngines.Engine store = loaded(engine)) {
            for (String value : hostile) {
                Filters filters = filters(Map.of("base", value, "python", value, "host", value, "user", value));
                assertEquals(0, page(store, PackageQueries.users("numpy", value, filters), new Page(10, 0)).size(), value);
                assertEquals(0, page(store, PackageQueries.versions("numpy", filters), new Page(10, 0)).size(), value);
                assertEquals(0, page(store, UsageQueries.bases(filters), new Page(10, 0)).size(), value);
                assertEquals(0, store.query(UsageQueries.basesDaily(filters, new Page(10, 0))).size(), value);
                assertEquals(0, page(store, SubjectQueries.userEnvironments(filters.forUser(value)), new Page(10, 0)).size(), value);
                assertEquals(0, store.query(SubjectQueries.topPackages(filters.forHost(value))).size(), value);
                assertEquals(0, page(store, TrendQueries.starts("week", "python", filters), new Page(10, 0)).size(), value);
                assertEquals(0, page(store, TrendQueries.packageTrend("numpy", "day", filters), new Page(10, 0)).size(), value);
                assertEquals(0, page(store, DeprecationQueries.remaining(filters), new Page(10, 0)).size(), value);
                assertEquals(0, store.query(DeprecationQueries.packages(filters, value).plain()).size(), value);
                assertEquals(0, store.query(DeprecationQueries.packages(filters, value).exact()).size(), value);
            }
            assertEquals(6, store.query("SELECT count() AS n FROM starts").get(0).get("n").asInt(), "the table is still there");
        }
    }

    /** Months written before migration 10 have rows without a first day (an empty state, read as day 0) beside the backfilled ones. */
    @ParameterizedTest(name = "ClickHouse {0}")
    @ValueSource(strings = {TestEngines.SERVER_18_16, TestEngines.CURRENT})
    void monthsStoredBeforeTheirFirstDaysWereKeptGiveTheSameVersions(String engine) throws Exception {
        try (TestEngines.Engine upgraded = TestEngines.open(engine, "upgraded");
             TestEngines.Engine current = loaded(engine)) {
            SchemaMigrations.apply(upgraded, SchemaMigrations.ALL.stream().filter(m -> m.version() < 10).toList());
            KnownStarts.loadInto(upgraded);
            SchemaMigrations.apply(upgraded);
            Filters year = filters(Map.of("since", "365d"));
            List<JsonNode> versions = page(upgraded, PackageQueries.versions("numpy", year), new Page(100, 0));
            assertEquals(page(current, PackageQueries.versions("numpy", year), new Page(100, 0)).toString(), versions.toString());
            JsonNode older = versions.stream().filter(v -> v.get("version").asText().equals("1.24.0")).findFirst().orElseThrow();
            assertEquals(KnownStarts.OLD.toString(), older.get("first_seen").asText());
            assertEquals(page(current, PackageQueries.users("numpy", null, year), new Page(100, 0)).toString(),
                    page(upgraded, PackageQueries.users("numpy", null, year), new Page(100, 0)).toString());
        }
    }

    private static TestEngines.Engine loaded(String engine) throws Exception {
        TestEngines.Engine store = TestEngines.open(engine, "queries");
        SchemaMigrations.apply(store);
        KnownStarts.loadInto(store);
        return store;
    }

    private static Filters filters(Map<String, String> parameters) {
        return Filters.from(new HashMap<>(parameters)::get, TODAY);
    }

    private static List<JsonNode> withoutRepeated(List<JsonNode> rows) {
        rows.forEach(row -> ((ObjectNode) row).remove("repeated"));
        return rows;
    }

    /** A page as the service reads it: a ranked list's page with its details. */
    private static List<JsonNode> page(TestEngines.Engine store, ListQuery query, Page page) {
        return TestPages.read(store, query, page);
    }

    private static List<String> column(List<JsonNode> rows, String name) {
        return rows.stream().map(row -> row.get(name).asText()).toList();
    }

    private static List<String> sorted(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(value -> values.add(value.asText()));
        return values.stream().sorted().toList();
    }
}
