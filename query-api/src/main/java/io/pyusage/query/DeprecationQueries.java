package io.pyusage.query;

import io.pyusage.common.clickhouse.Sql;

/**
 * The report the platform team reads before removing a base version: who still starts Python on it,
 * and which packages (name and version) those environments hold, each marked ready when the same
 * name and version has been seen installed on the target base.
 */
public final class DeprecationQueries {

    /** Packages answered beside the starts; a base holds far fewer name/version pairs in practice. */
    static final int MAX_PACKAGES = 10_000;

    private DeprecationQueries() {
    }

    /**
     * Every user, host, environment and entry point that started Python on the base in the window:
     * over a million rows a year for a base in wide use, so a page is found by its users' row counts
     * ({@link KeyedList}). A user's rows are counted as distinct 64-bit hashes of host, prefix and
     * entry: half the work of counting the strings, and a collision among one user's few thousand
     * rows (about one in 10^12) is far rarer than anything else that could be wrong.
     */
    public static ListQuery remaining(Filters filters) {
        String condition = onBase(filters).startsCondition();
        return ListQuery.keyed(new KeyedList("user", """
                SELECT user AS list_key, uniqExact(cityHash64(host, prefix, entry)) AS list_rows
                FROM starts
                WHERE %s
                GROUP BY user
                ORDER BY user""".formatted(condition), users -> """
                SELECT user, host, prefix, entry, count() AS starts, toString(max(ts)) AS last_seen
                FROM starts
                WHERE %s AND %s
                GROUP BY user, host, prefix, entry
                ORDER BY user, host, prefix, entry""".formatted(condition, users)));
    }

    /**
     * The packages of those environments, with how many environments and starts each is in, its
     * readiness (whether the name and version is in an environment ever seen on the target base),
     * and whether a process on the base imported it in the window; imported and not ready first.
     * One pass over {@code environment_packages} joined to every environment of either base; both
     * bases' environments come from the tables sorted by base when the filters are only a window
     * and a base, else from {@code daily_environments} or the raw starts.
     *
     * <p>A package row written twice (two aggregators stored a set at once, and ClickHouse has not
     * merged the copy away yet) must count once. Counting every environment's starts once costs half
     * the query, and such copies are rare, so there are two forms: the plain one sums starts as the
     * rows come and marks a name and version whose rows repeat an environment ({@code repeated}, found
     * from counts it takes anyway); only when one is marked is the exact one asked, which sums each
     * environment's starts {@link #summedOnce once}. Environments are counted distinct in
     * both, so both have the same rows in the same order.
     *
     * @param plain the plain form, with the {@code repeated} column
     * @param exact the exact form, without it
     */
    record Packages(String plain, String exact) {
    }

    /** The report's packages (see {@link Packages}). */
    public static Packages packages(Filters filters, String target) {
        Filters onBase = onBase(filters);
        String onTarget = Sql.string(target(target));
        String used;
        String targetTable;
        if (onBase.fits(Filters.Table.BASES)) {
            // Both bases' environments as range reads of the tables sorted by base.
            used = "SELECT env_id, countMerge(starts) AS used, 0 AS target FROM (%s) AS months_and_days GROUP BY env_id"
                    .formatted(baseEnvironments(onBase));
            targetTable = "base_environment_months";
        } else {
            EnvironmentDays days = EnvironmentDays.of(onBase, "1");
            used = "SELECT env_id, %s AS used, 0 AS target FROM (%s) AS base_days GROUP BY env_id".formatted(days.starts(), days.rows());
            targetTable = "daily_environments";
        }
        String targetEnvironments = "SELECT env_id, 0 AS used, 1 AS target FROM %s WHERE base = %s GROUP BY env_id"
                .formatted(targetTable, onTarget);
        // Imported by a process on the base in the window (its import records): a package that is, and is
        // not ready on the target, is one that will break; those come first.
        String imported = "(name, version) IN (SELECT name, version FROM import_set_packages WHERE imports_id IN (SELECT env_id FROM (%s) AS imported))"
                .formatted(EnvironmentStarts.rows(EnvironmentStarts.Source.IMPORTED, onBase, "1"));
        String query = """
                SELECT name, version, uniqExactIf(env_id, env_starts > 0) AS environments,
                       %s AS starts,
                       max(on_target) AS ready,
                       %s AS imported%s
                FROM environment_packages
                ALL INNER JOIN (
                    SELECT env_id, sum(used) AS env_starts, max(target) AS on_target
                    FROM (
                        %s
                        UNION ALL
                        %s
                    ) AS flagged
                    GROUP BY env_id
                ) AS environments USING env_id
                GROUP BY name, version
                HAVING starts > 0
                ORDER BY ready, imported DESC, environments DESC, name, version
                LIMIT %d""";
        return new Packages(
                query.formatted("sum(env_starts)", imported, ",\n       countIf(env_starts > 0) > environments AS repeated", used,
                        targetEnvironments, MAX_PACKAGES),
                query.formatted(summedOnce("env_id", "env_starts"), imported, "", used, targetEnvironments, MAX_PACKAGES));
    }

    /** The base's environments with their starts in the window: whole months from {@code base_environment_months}, the days around from {@code daily_environments}. */
    private static String baseEnvironments(Filters filters) {
        return WholeMonths.ofBaseRollups(filters, "SELECT env_id, starts FROM base_environment_months",
                "SELECT env_id, starts FROM daily_environments");
    }

    /**
     * {@code value} summed once per distinct {@code distinctBy} and value, for rows joined to
     * {@code environment_packages}: a package row written twice (until ClickHouse merges it away)
     * joins its environment's rows twice, and counts once here.
     */
    private static String summedOnce(String distinctBy, String value) {
        return "arraySum(arrayMap(e -> tupleElement(e, 2), groupUniqArray(((%s), %s))))".formatted(distinctBy, value);
    }

    private static Filters onBase(Filters filters) {
        if (filters.base() == null) {
            throw new BadRequestException("base", "is required: the base version to be removed");
        }
        return filters;
    }

    private static String target(String target) {
        if (target == null || target.isBlank()) {
            throw new BadRequestException("target", "is required: the base version users move to");
        }
        if (target.length() > 64) {
            throw new BadRequestException("target", "must be at most 64 characters");
        }
        return target;
    }
}
