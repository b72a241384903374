package io.pyusage.query;

import io.pyusage.common.clickhouse.SqlRunner;
import io.pyusage.common.record.UserNames;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * A handful of starts whose answers the query tests know: four users on five hosts, two bases,
 * three package sets; one start outside the default 90-day window.
 */
final class KnownStarts {

    static final LocalDate TODAY = LocalDate.now(ZoneOffset.UTC);
    static final LocalDate RECENT = TODAY.minusDays(3);
    static final LocalDate OLD = TODAY.minusDays(200);
    /** Environments: 1 = numpy 1.26.4 + pandas, 2 = numpy 1.24.0, 3 = pandas only. */
    private static final String PACKAGES = """
            {"env_id":1,"name":"numpy","version":"1.26.4","first_seen":"2026-01-01"}
            {"env_id":1,"name":"pandas","version":"2.2.2","first_seen":"2026-01-01"}
            {"env_id":2,"name":"numpy","version":"1.24.0","first_seen":"2026-01-01"}
            {"env_id":3,"name":"pandas","version":"2.2.2","first_seen":"2026-01-01"}
            """;

    private KnownStarts() {
    }

    /** Writes the starts and their package sets into a migrated database. */
    static void loadInto(SqlRunner store) {
        loadInto(store, UserNames.AS_GIVEN);
    }

    /** ...with user names stored as {@code names} stores them. */
    static void loadInto(SqlRunner store, UserNames names) {
        store.insertJsonEachRow("environment_packages", PACKAGES.getBytes(StandardCharsets.UTF_8));
        String starts = start(RECENT, names.stored("ann"), "h1", "2020.11", 1, false)
                + start(RECENT, names.stored("ann"), "h2", "2020.11", 2, false)
                + start(RECENT, names.stored("ann"), "h2", "2020.11", 2, false)
                + start(RECENT, names.stored("bo"), "h3", "2023.06", 1, false)
                + start(RECENT, names.stored("ci-runner"), "ci1", "2020.11", 1, true)
                + start(OLD, names.stored("old-timer"), "h9", "2020.11", 2, false);
        store.insertJsonEachRow("starts", starts.getBytes(StandardCharsets.UTF_8));
    }

    /** One start at 10:00 on {@code day}, as a JSONEachRow line of {@code starts}. */
    static String start(LocalDate day, String user, String host, String base, int envId, boolean ci) {
        return """
                {"day":"%s","ts":"%s 10:00:00","event_id":"00000000-0000-0000-0000-000000000000","user":"%s","host":"%s",\
                "base":"%s","python":"3.11.7","prefix":"/home/%s/venv","venv":1,"startup_ms":20,"entry":"-c","ci":%d,"env_id":%d}
                """.formatted(day, day, user, host, base, user, ci ? 1 : 0, envId);
    }
}
