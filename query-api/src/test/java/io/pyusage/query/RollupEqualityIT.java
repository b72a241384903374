package io.pyusage.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.pyusage.common.TestEngines;
import io.pyusage.common.clickhouse.ClosedMonths;
import io.pyusage.common.clickhouse.SchemaMigrations;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every answer that a rollup can give equals the one computed from the raw starts, over windows,
 * filters and packages drawn at random on a generated data set of 14 months: inserted in several
 * parts, the ended months then closed (merged), and late starts of closed months written after that.
 * Every generated start runs Python 3.11.7, so a {@code python=3.11.7} filter sends the same question
 * to the raw starts.
 */
class RollupEqualityIT {

    private static final long SEED = 20261207L;
    private static final LocalDate TODAY = KnownStarts.TODAY;
    private static final int DAYS = 430;
    private static final int DRAWS = 25;
    private static final List<String> BASES = List.of("2020.11", "2022.03", "2023.06");
    private static final List<String> PACKAGES = List.of("numpy", "pandas", "scipy", "requests", "flask", "torch", "rich", "lxml");

    @ParameterizedTest(name = "ClickHouse {0}")
    @ValueSource(strings = {TestEngines.SERVER_18_16, TestEngines.CURRENT})
    void everyRollupBackedAnswerEqualsTheRawStartsAnswer(String engine) throws Exception {
        Random random = new Random(SEED);
        int answered = 0;
        int compared = 0;
        try (TestEngines.Engine store = TestEngines.open(engine, "rollup_equality")) {
            SchemaMigrations.apply(store);
            load(store, random);
            for (int draw = 0; draw < DRAWS; draw++) {
                Map<String, String> parameters = drawnFilters(random);
                Filters rollup = filters(parameters);
                Map<String, String> rawParameters = new HashMap<>(parameters);
                rawParameters.put("python", "3.11.7");
                Filters raw = filters(rawParameters);
                String pkg = PACKAGES.get(random.nextInt(PACKAGES.size()));
                String user = "user" + random.nextInt(30);
                String host = "host" + random.nextInt(20);
                String target = BASES.get(random.nextInt(BASES.size()));
                String what = "draw " + draw + " " + parameters + " package " + pkg + " user " + user + " host " + host;
                assertTrue(rollup.fits(Filters.Table.BASES) && !raw.fits(Filters.Table.BASES), what);

                List<Boolean> withRows = List.of(
                        same(store, what + ": bases", UsageQueries::bases, rollup, raw),
                        same(store, what + ": versions", f -> PackageQueries.versions(pkg, f), rollup, raw),
                        same(store, what + ": users", f -> PackageQueries.users(pkg, null, f), rollup, raw),
                        same(store, what + ": trend", f -> TrendQueries.packageTrend(pkg, "week", f), rollup, raw),
                        same(store, what + ": starts trend", f -> TrendQueries.starts("day", "base", f), rollup, raw),
                        same(store, what + ": user's environments", f -> SubjectQueries.userEnvironments(f.forUser(user)), rollup, raw),
                        same(store, what + ": host's environments", f -> SubjectQueries.hostEnvironments(f.forHost(host)), rollup, raw));
                assertEquals(store.query(UsageQueries.basesDaily(raw, new Page(100, 0))).toString(),
                        store.query(UsageQueries.basesDaily(rollup, new Page(100, 0))).toString(), what + ": bases' daily series");
                compared += withRows.size();
                answered += (int) withRows.stream().filter(Boolean::booleanValue).count();
                // The report is about one base: the drawn one, or one drawn for it.
                String removed = parameters.getOrDefault("base", BASES.get(random.nextInt(BASES.size())));
                Filters rollupOnBase = rollup.withBase(removed);
                Filters rawOnBase = raw.withBase(removed);
                List<JsonNode> report = store.query(DeprecationQueries.packages(rollupOnBase, target).exact());
                assertEquals(store.query(DeprecationQueries.packages(rawOnBase, target).exact()).toString(), report.toString(),
                        what + ": deprecation of " + removed);
                compared++;
                answered += report.isEmpty() ? 0 : 1;
            }
        }
        // Empty answers agree trivially: most comparisons must have had rows to agree on.
        assertTrue(answered > compared * 3 / 4, answered + " of " + compared + " answers held rows");
    }

    /** Both paths' first page, compared; whether the answer held rows. */
    private static boolean same(TestEngines.Engine store, String what, Function<Filters, ListQuery> list, Filters rollup, Filters raw) {
        List<JsonNode> fromRollup = page(store, list.apply(rollup));
        assertEquals(page(store, list.apply(raw)).toString(), fromRollup.toString(), what);
        return !fromRollup.isEmpty();
    }

    /** A window of 1 to 430 days, ending today or on a day before; a base filter half of the time. */
    private static Map<String, String> drawnFilters(Random random) {
        Map<String, String> parameters = new HashMap<>();
        LocalDate until = random.nextBoolean() ? TODAY : TODAY.minusDays(random.nextInt(200));
        LocalDate since = until.minusDays(random.nextInt(DAYS - (int) (TODAY.toEpochDay() - until.toEpochDay())));
        parameters.put("since", since.toString());
        parameters.put("until", until.toString());
        if (random.nextBoolean()) {
            parameters.put("base", BASES.get(random.nextInt(BASES.size())));
        }
        return parameters;
    }

    /** 40 environments of 2 to 6 packages, 3,000 starts in three inserts, the ended months closed, then 60 late starts. */
    private static void load(TestEngines.Engine store, Random random) {
        StringBuilder packages = new StringBuilder();
        for (int env = 1; env <= 40; env++) {
            List<String> names = new ArrayList<>(PACKAGES);
            Collections.shuffle(names, random);
            for (String name : names.subList(0, 2 + random.nextInt(5))) {
                packages.append("{\"env_id\":%d,\"name\":\"%s\",\"version\":\"1.%d\",\"first_seen\":\"2025-01-01\"}\n"
                        .formatted(env, name, random.nextInt(3)));
            }
        }
        store.insertJsonEachRow("environment_packages", packages.toString().getBytes(StandardCharsets.UTF_8));
        for (int part = 0; part < 3; part++) {
            insertStarts(store, random, 1_000, DAYS);
        }
        assertFalse(ClosedMonths.merge(store, TODAY).isEmpty(), "the ended months were closed");
        // Late arrivals: starts of months already closed, written after they were merged.
        insertStarts(store, random, 60, DAYS);
    }

    private static void insertStarts(TestEngines.Engine store, Random random, int count, int days) {
        StringBuilder starts = new StringBuilder();
        for (int i = 0; i < count; i++) {
            // Users and hosts skewed, as in life: a few do most of the starts.
            int user = (int) Math.floor(Math.pow(random.nextDouble(), 2) * 30);
            starts.append(KnownStarts.start(TODAY.minusDays(random.nextInt(days)), "user" + user, "host" + random.nextInt(20),
                    BASES.get((user + random.nextInt(2)) % BASES.size()), 1 + random.nextInt(40), random.nextInt(10) == 0));
        }
        store.insertJsonEachRow("starts", starts.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static Filters filters(Map<String, String> parameters) {
        return Filters.from(new HashMap<>(parameters)::get, TODAY);
    }

    /** The first page, with its details, as the service reads it. */
    private static List<JsonNode> page(TestEngines.Engine store, ListQuery query) {
        return TestPages.read(store, query, new Page(100, 0));
    }
}
