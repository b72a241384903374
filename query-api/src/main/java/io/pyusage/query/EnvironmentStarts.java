package io.pyusage.query;

/**
 * Starts per environment and user under the filters, with the prefix, the base and the last start:
 * the whole months of the window from {@code monthly_environments} (a row per month, environment and
 * user instead of a row per start), the days before and after them from {@code starts}. With a
 * Python or host filter, or a window without a whole month, all from {@code starts}. The numbers are
 * the same either way.
 *
 * <p>The rows are a subquery with the columns {@code env_id, user, prefix, base, started, last_start};
 * an environment and user may have several rows (from each table, and a month's rows that ClickHouse
 * has not merged yet, each finalized on its own: half the cost of grouping them), so readers sum
 * {@code started} and take the greatest {@code last_start}.
 */
final class EnvironmentStarts {

    private static final String COLUMNS = "env_id, user, prefix, base";

    private EnvironmentStarts() {
    }

    /** The rows under {@code filters}, also restricted by {@code condition} (on columns both tables have, e.g. {@code env_id IN ...}). */
    static String rows(Filters filters, String condition) {
        WholeMonths months = WholeMonths.of(filters.window());
        String fromStarts = "SELECT %s, count() AS started, max(ts) AS last_start FROM starts WHERE %s AND %s%s GROUP BY %s";
        if (!filters.fits(Filters.Table.MONTHLY_ENVIRONMENTS) || !months.any()) {
            return fromStarts.formatted(COLUMNS, filters.startsCondition(), condition, "", COLUMNS);
        }
        return """
                SELECT %s, started, last_start FROM (
                    SELECT %s, finalizeAggregation(starts) AS started, finalizeAggregation(last_seen) AS last_start
                    FROM monthly_environments
                    WHERE %s AND %s AND %s
                    UNION ALL
                    %s
                ) AS months_and_days""".formatted(COLUMNS, COLUMNS, months.months(),
                filters.attributes(Filters.Table.MONTHLY_ENVIRONMENTS), condition,
                fromStarts.formatted(COLUMNS, filters.startsCondition(), condition, " AND " + months.daysAround(), COLUMNS));
    }

    /**
     * The number of distinct hosts of each of {@code users} (SQL literals) under {@code filters} and
     * {@code condition}: the whole months from the host states of {@code monthly_user_hosts}, the
     * days around them from {@code starts}, as {@link #rows} splits them. Columns {@code user, hosts}.
     */
    static String hosts(Filters filters, String condition, String users) {
        WholeMonths months = WholeMonths.of(filters.window());
        String ofUsers = condition + " AND user IN (" + users + ")";
        if (!filters.fits(Filters.Table.MONTHLY_ENVIRONMENTS) || !months.any()) {
            return "SELECT user, uniqExact(host) AS hosts FROM starts WHERE %s AND %s GROUP BY user".formatted(filters.startsCondition(), ofUsers);
        }
        return """
                SELECT user, uniqMerge(hosts) AS hosts FROM (
                    SELECT user, hosts FROM monthly_user_hosts WHERE %s AND %s AND %s
                    UNION ALL
                    SELECT user, uniqState(host) AS hosts FROM starts WHERE %s AND %s AND %s GROUP BY user
                ) AS months_and_days
                GROUP BY user""".formatted(months.months(), filters.attributes(Filters.Table.MONTHLY_ENVIRONMENTS), ofUsers,
                filters.startsCondition(), months.daysAround(), ofUsers);
    }
}
