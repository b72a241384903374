package io.pyusage.query;

import io.pyusage.common.clickhouse.Sql;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/**
 * The calendar months that lie wholly in a window, read from a monthly rollup, and the days around
 * them, read by the day. A window that reaches today takes its last month whole: the days after
 * today hold only starts from clocks set ahead, which a rollup's month then counts and the raw
 * starts' window does not. A 365-day window up to today is 12 months and 9 days.
 *
 * @param first the first day of the first whole month
 * @param after the first day of the month after the last whole one
 */
record WholeMonths(LocalDate first, LocalDate after) {

    static WholeMonths of(TimeWindow window) {
        LocalDate monthOfSince = window.since().withDayOfMonth(1);
        LocalDate first = monthOfSince.equals(window.since()) ? monthOfSince : monthOfSince.plusMonths(1);
        LocalDate after = window.reachesToday() ? window.until().plusMonths(1).withDayOfMonth(1) : window.until().plusDays(1).withDayOfMonth(1);
        return new WholeMonths(first, after);
    }

    /** Whether the window holds a whole month. */
    boolean any() {
        return first.isBefore(after);
    }

    /** The condition on a monthly rollup's {@code month}. */
    String months() {
        return "month >= %s AND month < %s".formatted(Sql.date(first), Sql.date(after));
    }

    /** The condition on {@code day} that leaves the whole months out. */
    String daysAround() {
        return "(day < %s OR day >= %s)".formatted(Sql.date(first), Sql.date(after));
    }

    /**
     * A window's rows of a rollup kept per base and month and per base and day: {@code monthly} (a
     * SELECT ... FROM the monthly table, its WHERE to follow) for the whole months, {@code daily} for
     * the days around them, as one UNION ALL under the filters' window and base.
     */
    static String ofBaseRollups(Filters filters, String monthly, String daily) {
        WholeMonths months = of(filters.window());
        List<String> parts = new ArrayList<>();
        if (months.any()) {
            parts.add(monthly + " WHERE " + months.months() + " AND " + filters.attributes(Filters.Table.BASES));
        }
        parts.add(daily + " WHERE " + filters.condition(Filters.Table.BASES) + (months.any() ? " AND " + months.daysAround() : ""));
        return String.join("\nUNION ALL\n", parts);
    }
}
