package io.pyusage.query;

/**
 * What one user or one host runs: its environments (prefix, base, Python) with their package counts,
 * and the packages used most in its starts.
 */
public final class SubjectQueries {

    /** The most-used packages answered beside the environments. */
    static final int TOP_PACKAGES = 50;
    /** Names listed in one cell (a heavy user runs one environment on thousands of hosts); the cell's count is beside it. */
    static final int NAMES_PER_CELL = 50;

    private SubjectQueries() {
    }

    /** {@code GET /api/v1/users/{user}}: the user's environments, with the hosts it ran them on. */
    public static ListQuery userEnvironments(Filters filters) {
        return environments(filters, boundedNames("host", "hosts"), "toString(max(ts))");
    }

    /**
     * {@code GET /api/v1/hosts/{host}}: the host's environments, with the users who ran them; from
     * {@code daily_hosts} (sorted by host) unless a {@code ci} filter needs the raw starts. Its
     * {@code last_seen} is a day either way: the rollup keeps no time of day.
     */
    public static ListQuery hostEnvironments(Filters filters) {
        if (!filters.fits(Filters.Table.DAILY_HOSTS)) {
            return environments(filters, boundedNames("user", "users"), "toString(max(day))");
        }
        return new ListQuery("""
                SELECT prefix, base, python, %s, max(package_count) AS packages,
                       uniqExact(env_id) AS package_sets, countMerge(starts) AS starts, toString(max(day)) AS last_seen
                FROM daily_hosts
                WHERE %s
                GROUP BY prefix, base, python
                ORDER BY starts DESC, prefix, base, python""".formatted(boundedNames("user", "users"), filters.condition(Filters.Table.DAILY_HOSTS)));
    }

    private static ListQuery environments(Filters filters, String who, String lastSeen) {
        return new ListQuery("""
                SELECT prefix, base, python, %s, max(package_count) AS packages, uniqExact(env_id) AS package_sets,
                       count() AS starts, %s AS last_seen
                FROM starts
                WHERE %s
                GROUP BY prefix, base, python
                ORDER BY starts DESC, prefix, base, python""".formatted(who, lastSeen, filters.startsCondition()));
    }

    /**
     * The packages in the most starts under {@code filters}, with their versions; a host's from
     * {@code daily_hosts} when the filters allow, a user's from {@link EnvironmentStarts}. The used
     * environments' packages come from {@code environment_package_lists} (found by id), each
     * environment's lists joined so that every package counts once.
     */
    public static String topPackages(Filters filters) {
        boolean byHost = filters.host() != null && filters.fits(Filters.Table.DAILY_HOSTS);
        String used = byHost ? "SELECT env_id, countMerge(starts) AS started FROM daily_hosts WHERE " + filters.condition(Filters.Table.DAILY_HOSTS)
                + " GROUP BY env_id" : EnvironmentStarts.rows(filters, "1");
        return """
                SELECT name, %s, sum(env_starts) AS starts
                FROM (
                    SELECT env_starts, substring(package, 1, position(package, ' ') - 1) AS name,
                           substring(package, position(package, ' ') + 1) AS version
                    FROM (
                        SELECT env_starts, packages
                        FROM (SELECT env_id, sum(started) AS env_starts FROM (%s) AS used GROUP BY env_id) AS used
                        ALL INNER JOIN (
                            SELECT env_id, groupUniqArrayArray(packages) AS packages FROM environment_package_lists
                            WHERE env_id IN (SELECT env_id FROM (%s) AS used)
                            GROUP BY env_id
                        ) AS lists USING env_id
                    ) ARRAY JOIN packages AS package
                )
                GROUP BY name
                ORDER BY starts DESC, name
                LIMIT %d""".formatted(boundedNames("version", "versions"), used, used, TOP_PACKAGES);
    }

    /**
     * At most {@value #NAMES_PER_CELL} of a column's distinct values as {@code alias}, and how many
     * there are as {@code alias_count}: every cell of an answer is bounded, and says what it left out.
     */
    static String boundedNames(String column, String alias) {
        // 18.16's groupUniqArray takes no size: the set is sorted (so a page is the same each time) and cut.
        return "arraySlice(arraySort(groupUniqArray(%s)), 1, %d) AS %s, uniqExact(%s) AS %s_count".formatted(column, NAMES_PER_CELL, alias, column, alias);
    }
}
