package io.pyusage.query;

import io.pyusage.common.clickhouse.Sql;
import java.time.LocalDate;

/**
 * Starts per environment and user under the filters, with the prefix, the base and the last start:
 * the whole months of the window from {@code monthly_environments} (a row per month, environment and
 * user instead of a row per start), the days before and after them from {@code starts} (the days
 * before, when they are most of their month, as that month's rows less its starts before the
 * window: see {@link #leadingMonth}). With a Python or host filter, or a window without a whole
 * month, all from {@code starts}. The numbers are the same either way.
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
        if (!filters.fits(Filters.Table.MONTHLY_ENVIRONMENTS) || !months.any()) {
            return fromStarts(filters, condition, "");
        }
        String attributes = filters.attributes(Filters.Table.MONTHLY_ENVIRONMENTS);
        String wholeMonths = "SELECT %s, finalizeAggregation(starts) AS started, finalizeAggregation(last_seen) AS last_start FROM monthly_environments WHERE %s AND %s AND %s"
                .formatted(COLUMNS, months.months(), attributes, condition);
        LocalDate since = filters.window().since();
        int daysBefore = since.getDayOfMonth() - 1;
        if (daysBefore == 0 || daysBefore >= since.lengthOfMonth() - daysBefore) {
            return union(wholeMonths, fromStarts(filters, condition, " AND " + months.daysAround()));
        }
        return union(wholeMonths, leadingMonth(filters, condition, attributes), fromStarts(filters, condition, " AND " + months.daysAfter()));
    }

    /**
     * The window's first, partial month as its monthly rows less the starts before the window: read
     * this way when fewer of its days lie before the window than in it (a window that starts on the
     * 6th reads 5 days of raw starts instead of 26). A row whose starts all lie before the window
     * comes to none and is left out; for the others the month's last start lies in the window.
     */
    private static String leadingMonth(Filters filters, String condition, String attributes) {
        TimeWindow window = filters.window();
        LocalDate month = window.since().withDayOfMonth(1);
        Filters before = filters.withWindow(new TimeWindow(month, window.since().minusDays(1), false));
        return """
                SELECT %1$s, toUInt64(sum(signed)) AS started, max(latest) AS last_start FROM (
                    SELECT %1$s, toInt64(finalizeAggregation(starts)) AS signed, finalizeAggregation(last_seen) AS latest
                    FROM monthly_environments WHERE month = %2$s AND %3$s AND %4$s
                    UNION ALL
                    SELECT %1$s, -toInt64(count()) AS signed, toDateTime(0, 'UTC') AS latest FROM starts WHERE %5$s AND %4$s GROUP BY %1$s
                ) AS leading_month
                GROUP BY %1$s
                HAVING sum(signed) > 0""".formatted(COLUMNS, Sql.date(month), attributes, condition, before.startsCondition());
    }

    private static String fromStarts(Filters filters, String condition, String days) {
        return "SELECT %s, count() AS started, max(ts) AS last_start FROM starts WHERE %s AND %s%s GROUP BY %s"
                .formatted(COLUMNS, filters.startsCondition(), condition, days, COLUMNS);
    }

    private static String union(String... parts) {
        return "SELECT %s, started, last_start FROM (\n%s\n) AS months_and_days".formatted(COLUMNS, String.join("\nUNION ALL\n", parts));
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
