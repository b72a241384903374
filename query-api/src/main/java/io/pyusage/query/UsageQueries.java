package io.pyusage.query;

/** Lists over all starts, from the daily rollup where it answers them. */
public final class UsageQueries {

    private UsageQueries() {
    }

    /** {@code GET /api/v1/bases}: per base version, starts, users, hosts, environments, first and last seen. */
    public static ListQuery bases(Filters filters) {
        return new ListQuery("""
                SELECT base, count() AS starts, uniqExact(user) AS users, uniqExact(host) AS hosts,
                       uniqExact(env_id) AS environments, toString(min(ts)) AS first_seen, toString(max(ts)) AS last_seen
                FROM starts
                WHERE %s
                GROUP BY base
                ORDER BY base""".formatted(filters.startsCondition()));
    }

    /**
     * The daily series of each base: starts and users per day, from {@code daily_starts}, or from
     * {@code starts} when a user or host filter asks for what the rollup does not keep. The day is
     * answered as {@code date}: an alias named like a column would replace the column in WHERE.
     */
    public static String basesDaily(Filters filters) {
        if (!filters.fitsDailyRollup()) {
            return """
                    SELECT base, toString(day) AS date, count() AS starts, uniqExact(user) AS users
                    FROM starts
                    WHERE %s
                    GROUP BY base, day
                    ORDER BY base, day""".formatted(filters.startsCondition());
        }
        return """
                SELECT base, toString(day) AS date, countMerge(starts) AS starts, uniqMerge(users) AS users
                FROM daily_starts
                WHERE %s
                GROUP BY base, day
                ORDER BY base, day""".formatted(filters.dailyRollupCondition());
    }
}
