package io.pyusage.query;

/** Lists over all starts, from the daily rollup where it answers them. */
public final class UsageQueries {

    private static final String BASE_ROWS = "SELECT base, starts, users, hosts, %s AS first, %s AS last FROM %s";

    private UsageQueries() {
    }

    /**
     * {@code GET /api/v1/bases}: per base version, starts, users, hosts, environments, and the first
     * and last day seen. From {@code base_months} and {@code base_days} (environments from
     * {@code base_environment_months} and {@code daily_environments}) when the filters ask only for a
     * window and a base, else from the raw starts; the numbers are the same either way.
     */
    public static ListQuery bases(Filters filters) {
        if (!filters.fits(Filters.Table.BASES)) {
            return new ListQuery("""
                    SELECT base, count() AS starts, uniqExact(user) AS users, uniqExact(host) AS hosts,
                           uniqExact(env_id) AS environments, toString(min(day)) AS first_seen, toString(max(day)) AS last_seen
                    FROM starts
                    WHERE %s
                    GROUP BY base
                    ORDER BY base""".formatted(filters.startsCondition()));
        }
        // Whole months from base_months, the days around them from base_days: a row per base and month or day.
        String rows = WholeMonths.ofBaseRollups(filters,
                BASE_ROWS.formatted("finalizeAggregation(first_day)", "finalizeAggregation(last_day)", "base_months"),
                BASE_ROWS.formatted("day", "day", "base_days"));
        // Environments: the whole months' from base_environment_months, the days' from daily_environments.
        String environments = WholeMonths.ofBaseRollups(filters, "SELECT base, env_id FROM base_environment_months",
                "SELECT base, env_id FROM daily_environments");
        return new ListQuery("""
                SELECT base, starts, users, hosts, environments, first_seen, last_seen
                FROM (SELECT base, countMerge(starts) AS starts, uniqMerge(users) AS users, uniqMerge(hosts) AS hosts,
                             toString(min(first)) AS first_seen, toString(max(last)) AS last_seen
                      FROM (
                      %s
                      ) AS months_and_days
                      GROUP BY base) AS totals
                ALL INNER JOIN (SELECT base, uniqExact(env_id) AS environments FROM (
                                %s
                                ) AS used_environments
                                GROUP BY base) AS used
                USING base
                ORDER BY base""".formatted(rows, environments));
    }

    /**
     * The daily series of the bases on one page of {@link #bases}: starts and users per day, so that
     * the series grows with the page, not with whatever bases records claim. The day is answered as
     * {@code date}: an alias named like a column would replace the column in WHERE.
     */
    public static String basesDaily(Filters filters, Page page) {
        String shown = "base IN (SELECT base FROM (%s) AS shown)".formatted(bases(filters).page(page));
        if (filters.fits(Filters.Table.BASES)) {
            // A row per base and day, its states merged already.
            return """
                    SELECT base, toString(day) AS date, countMerge(starts) AS starts, uniqMerge(users) AS users
                    FROM base_days
                    WHERE %s AND %s
                    GROUP BY base, day
                    ORDER BY base, day""".formatted(filters.condition(Filters.Table.BASES), shown);
        }
        return startsAndUsers("base, toString(day) AS date", "base, day", filters, shown);
    }

    /**
     * Starts and users per {@code grouping} (which also orders), with {@code keys} selected before
     * them: from {@code daily_starts}, or from {@code starts} when a user or host filter asks for
     * what the rollup does not keep. The numbers are the same either way.
     */
    static String startsAndUsers(String keys, String grouping, Filters filters) {
        return startsAndUsers(keys, grouping, filters, "1");
    }

    /** As above, with one more condition. */
    private static String startsAndUsers(String keys, String grouping, Filters filters, String extra) {
        boolean rollup = filters.fits(Filters.Table.DAILY_STARTS);
        String starts = rollup ? "countMerge(starts)" : "count()";
        String users = rollup ? "uniqMerge(users)" : "uniqExact(user)";
        String table = rollup ? "daily_starts" : "starts";
        String condition = rollup ? filters.condition(Filters.Table.DAILY_STARTS) : filters.startsCondition();
        return """
                SELECT %s, %s AS starts, %s AS users
                FROM %s
                WHERE %s AND %s
                GROUP BY %s
                ORDER BY %s""".formatted(keys, starts, users, table, condition, extra, grouping, grouping);
    }
}
