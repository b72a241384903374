package io.pyusage.query;

/**
 * Starts, users and hosts per environment over a window, with the first and last day seen: the
 * whole months from {@code monthly_environments} (a row per month, environment and user), the days
 * around them from {@code daily_environments}, both as aggregate states, when the filters ask only
 * for a window and a base; else from {@code starts}. The numbers are the same either way (users and
 * hosts from {@code uniq} states in the rollups, exact below 65,536 of them).
 *
 * <p>A month's row written before its first day was kept (migration 10) has an empty state there,
 * which reads as day 0: it is left out as NULL, and its month's first day comes from the row the
 * migration added beside it.
 *
 * @param rows   a subquery with {@code env_id}, {@code first_seen}, {@code last_seen} (both may be
 *               NULL) and what the aggregates read; an environment may have several rows
 * @param starts the aggregate that counts starts
 * @param users  the aggregate that counts distinct users
 * @param hosts  the aggregate that counts distinct hosts
 */
record EnvironmentTotals(String rows, String starts, String users, String hosts) {

    static EnvironmentTotals of(Filters filters) {
        if (!filters.fits(Filters.Table.DAILY_ENVIRONMENTS)) {
            return new EnvironmentTotals("SELECT env_id, toNullable(day) AS first_seen, toNullable(day) AS last_seen, user, host FROM starts WHERE "
                    + filters.startsCondition(), "count()", "uniqExact(user)", "uniqExact(host)");
        }
        String days = """
                SELECT env_id, toNullable(day) AS first_seen, toNullable(day) AS last_seen, starts, users, hosts
                FROM daily_environments
                WHERE %s""".formatted(filters.condition(Filters.Table.DAILY_ENVIRONMENTS));
        WholeMonths months = WholeMonths.of(filters.window());
        if (months.any()) {
            // The user is a name here and a uniq state in daily_environments: made a state of one.
            days = """
                    SELECT env_id, nullIf(finalizeAggregation(first_day), toDate(0)) AS first_seen,
                           nullIf(toDate(finalizeAggregation(last_seen)), toDate(0)) AS last_seen,
                           starts, arrayReduce('uniqState', [user]) AS users, hosts
                    FROM monthly_environments
                    WHERE %s AND %s
                    UNION ALL
                    %s AND %s""".formatted(months.months(), filters.attributes(Filters.Table.MONTHLY_ENVIRONMENTS), days, months.daysAround());
        }
        return new EnvironmentTotals(days, "countMerge(starts)", "uniqMerge(users)", "uniqMerge(hosts)");
    }
}
