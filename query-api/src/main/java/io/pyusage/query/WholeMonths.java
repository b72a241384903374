package io.pyusage.query;

import io.pyusage.common.clickhouse.Sql;
import java.time.LocalDate;

/**
 * The calendar months that lie wholly in a window, read from a monthly rollup, and the days around
 * them, read by the day: a 365-day window is 11 months and about 30 days.
 *
 * @param first the first day of the first whole month
 * @param after the first day of the month after the last whole one
 */
record WholeMonths(LocalDate first, LocalDate after) {

    static WholeMonths of(TimeWindow window) {
        LocalDate monthOfSince = window.since().withDayOfMonth(1);
        LocalDate first = monthOfSince.equals(window.since()) ? monthOfSince : monthOfSince.plusMonths(1);
        return new WholeMonths(first, window.until().plusDays(1).withDayOfMonth(1));
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
}
