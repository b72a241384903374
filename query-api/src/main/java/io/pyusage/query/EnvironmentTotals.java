package io.pyusage.query;

/**
 * Starts, users and hosts per environment over a window, with the first and last day seen: the
 * whole months from {@code monthly_environment_totals} (a row per month and environment), the days
 * around them from {@code daily_environments}, both as aggregate states, when the filters ask only
 * for a window and a base; else from {@code starts}. The numbers are the same either way (users and
 * hosts from {@code uniq} states in the rollups, exact below 65,536 of them).
 *
 * @param rows   a subquery with {@code env_id}, {@code first_seen}, {@code last_seen} and what the aggregates read;
 *               an environment may have several rows
 * @param starts the aggregate that counts starts
 * @param users  the aggregate that counts distinct users
 * @param hosts  the aggregate that counts distinct hosts
 */
record EnvironmentTotals(String rows, String starts, String users, String hosts) {

    private static final String STATES = "starts, users, hosts";

    static EnvironmentTotals of(Filters filters) {
        if (!filters.fits(Filters.Table.DAILY_ENVIRONMENTS)) {
            return new EnvironmentTotals("SELECT env_id, day AS first_seen, day AS last_seen, user, host FROM starts WHERE "
                    + filters.startsCondition(), "count()", "uniqExact(user)", "uniqExact(host)");
        }
        String days = "SELECT env_id, day AS first_seen, day AS last_seen, %s FROM daily_environments WHERE %s"
                .formatted(STATES, filters.condition(Filters.Table.DAILY_ENVIRONMENTS));
        WholeMonths months = WholeMonths.of(filters.window());
        if (months.any()) {
            days = """
                    SELECT env_id, finalizeAggregation(first_day) AS first_seen, finalizeAggregation(last_day) AS last_seen, %s
                    FROM monthly_environment_totals
                    WHERE %s AND %s
                    UNION ALL
                    %s AND %s""".formatted(STATES, months.months(), filters.attributes(Filters.Table.MONTHLY_ENVIRONMENT_TOTALS),
                    days, months.daysAround());
        }
        return new EnvironmentTotals(days, "countMerge(starts)", "uniqMerge(users)", "uniqMerge(hosts)");
    }
}
