package io.pyusage.query;

/**
 * Starts, users and hosts per environment over a window, with the first and last day seen: the
 * whole months from {@code monthly_environments} and their hosts from {@code monthly_user_hosts}
 * (a row per month, environment and user in both), the days around them from
 * {@code daily_environments}, all as aggregate states, when the filters ask only for a window and a
 * base; else from {@code starts}. The numbers are the same either way (users and hosts from
 * {@code uniq} states in the rollups, exact below 65,536 of them).
 *
 * <p>Since migration 11 a month's host states are rows of their own (sorted by user, for who uses a
 * package). They join the other rows in one {@code UNION ALL}, each row with an empty state for the
 * count it does not carry and no days, so one grouping reads them all: a second grouping joined by
 * version would make current releases report the wrong number of rows before a page's LIMIT.
 * Starts are finalized row by row (half the cost of merging them) and summed.
 *
 * <p>A month's row written before its first day was kept (migration 10) has an empty state there,
 * which reads as day 0: it is left out as NULL, and its month's first day comes from the row the
 * migration added beside it.
 *
 * @param rows   a subquery with {@code env_id}, {@code first_seen}, {@code last_seen} (both may be
 *               NULL) and what the aggregates read; an environment may have several rows, and every
 *               environment of the window has at least one that counts starts
 * @param starts the aggregate that counts starts
 * @param users  the aggregate that counts distinct users
 * @param hosts  the aggregate that counts distinct hosts
 */
record EnvironmentTotals(String rows, String starts, String users, String hosts) {

    /** A {@code uniq} state of no value: the same type as the stored ones, on 18.16 and current releases. */
    private static final String NO_ONE = "arrayReduce('uniqState', emptyArrayString())";

    /**
     * The totals under {@code filters} of the sets that meet {@code condition} (on the source's set
     * id), as {@code env_id}, from the source's raw rows.
     */
    static EnvironmentTotals fromRaw(EnvironmentStarts.Source source, Filters filters, String condition) {
        return new EnvironmentTotals("SELECT " + source.setIdAsEnvId() + ", toNullable(day) AS first_seen, toNullable(day) AS last_seen, user, host FROM "
                + source.raw() + " WHERE " + filters.condition(source.rawTable()) + " AND " + condition, "count()", "uniqExact(user)",
                "uniqExact(host)");
    }

    /** The totals under {@code filters} of the environments that meet {@code condition} (on {@code env_id}, which every source has). */
    static EnvironmentTotals of(Filters filters, String condition) {
        if (!filters.fits(Filters.Table.DAILY_ENVIRONMENTS)) {
            return fromRaw(EnvironmentStarts.Source.INSTALLED, filters, condition);
        }
        String days = """
                SELECT env_id, toNullable(day) AS first_seen, toNullable(day) AS last_seen, finalizeAggregation(starts) AS started, users, hosts
                FROM daily_environments
                WHERE %s AND %s""".formatted(filters.condition(Filters.Table.DAILY_ENVIRONMENTS), condition);
        WholeMonths months = WholeMonths.of(filters.window());
        if (months.any()) {
            String monthCondition = months.months() + " AND " + filters.attributes(Filters.Table.MONTHLY_ENVIRONMENTS) + " AND " + condition;
            // The user is a name here and a uniq state in daily_environments: made a state of one.
            days = """
                    SELECT env_id, nullIf(finalizeAggregation(first_day), toDate(0)) AS first_seen,
                           nullIf(toDate(finalizeAggregation(last_seen)), toDate(0)) AS last_seen,
                           finalizeAggregation(starts) AS started, arrayReduce('uniqState', [user]) AS users, %s AS hosts
                    FROM monthly_environments
                    WHERE %s
                    UNION ALL
                    SELECT env_id, CAST(NULL AS Nullable(Date)) AS first_seen, CAST(NULL AS Nullable(Date)) AS last_seen,
                           toUInt64(0) AS started, %s AS users, hosts
                    FROM monthly_user_hosts
                    WHERE %s
                    UNION ALL
                    %s AND %s""".formatted(NO_ONE, monthCondition, NO_ONE, monthCondition, days, months.daysAround());
        }
        return new EnvironmentTotals(days, "sum(started)", "uniqMerge(users)", "uniqMerge(hosts)");
    }
}
