package io.pyusage.query;

import io.pyusage.common.clickhouse.Sql;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The filters every list takes: a window of days ({@code since}, {@code until}) and optionally
 * {@code base}, {@code python}, {@code host}, {@code user}, and {@code ci} ({@code include}, the
 * default; {@code exclude} or {@code only}). Values reach SQL only through {@link Sql#string}.
 *
 * @param ci {@code include}, {@code exclude} or {@code only}
 */
public record Filters(TimeWindow window, String base, String python, String host, String user, String ci) {

    private static final List<String> CI_CHOICES = List.of("include", "exclude", "only");
    private static final int MAX_VALUE_LENGTH = 256;

    /** Reads the filters from request parameters ({@code parameter} gives null for an absent one). */
    public static Filters from(Function<String, String> parameter, LocalDate today) {
        String ci = blankToNull(parameter.apply("ci"));
        if (ci != null && !CI_CHOICES.contains(ci)) {
            throw new BadRequestException("ci", "must be one of " + CI_CHOICES);
        }
        return new Filters(TimeWindow.parse(parameter.apply("since"), parameter.apply("until"), today),
                value("base", parameter), value("python", parameter), value("host", parameter), value("user", parameter),
                ci == null ? "include" : ci);
    }

    /** The window alone, for lists that take no other filter. */
    public static Filters window(TimeWindow window) {
        return new Filters(window, null, null, null, null, "include");
    }

    /** The same filters over another window. */
    public Filters withWindow(TimeWindow other) {
        return new Filters(other, base, python, host, user, ci);
    }

    /** The same filters on one base. */
    public Filters withBase(String name) {
        return new Filters(window, checked("base", name), python, host, user, ci);
    }

    /** The same filters for one user's starts (the path names the user). */
    public Filters forUser(String name) {
        return new Filters(window, base, python, host, checked("user", name), ci);
    }

    /** The same filters for one host's starts (the path names the host). */
    public Filters forHost(String name) {
        return new Filters(window, base, python, checked("host", name), user, ci);
    }

    /**
     * The tables the lists read, with the filtered columns each has besides the window and base: a
     * rollup answers a list only when it has every column the filters name.
     */
    public enum Table {
        STARTS(true, true, true, true),
        /** Day, base, Python, CI, interactive. */
        DAILY_STARTS(true, false, false, true),
        /** Environment, day, base. */
        DAILY_ENVIRONMENTS(false, false, false, false),
        /** Base, and month ({@code base_months}) or day ({@code base_days}). */
        BASES(false, false, false, false),
        /** Every filtered column but {@code ci}. */
        DAILY_HOSTS(true, true, true, false),
        /**
         * Environment, month, base, user, prefix, CI: its window is whole months (see {@link WholeMonths}).
         * {@code monthly_user_hosts} has the same columns.
         */
        MONTHLY_ENVIRONMENTS(false, true, false, true),
        /** What processes imported: every filtered column. */
        START_IMPORTS(true, true, true, true),
        /** Imported set, month, base, user, prefix, CI, as {@link #MONTHLY_ENVIRONMENTS}. */
        MONTHLY_IMPORTS(false, true, false, true);

        private final boolean python;
        private final boolean user;
        private final boolean host;
        private final boolean ci;

        Table(boolean python, boolean user, boolean host, boolean ci) {
            this.python = python;
            this.user = user;
            this.host = host;
            this.ci = ci;
        }
    }

    /** A WHERE condition on {@code starts}. */
    public String startsCondition() {
        return condition(Table.STARTS);
    }

    /** Whether {@code table} has every column these filters need. */
    public boolean fits(Table table) {
        return (table.python || python == null) && (table.user || user == null) && (table.host || host == null)
                && (table.ci || ci.equals("include"));
    }

    /** A WHERE condition on {@code table}, window of days included; only when it {@link #fits(Table) fits} these filters. */
    public String condition(Table table) {
        List<String> conditions = new ArrayList<>();
        conditions.add("day >= " + Sql.date(window.since()) + " AND day <= " + Sql.date(window.until()));
        conditions.addAll(attributeList(table));
        return String.join(" AND ", conditions);
    }

    /** The conditions on {@code table} but the window ({@code 1} when there are none); only when it {@link #fits(Table) fits}. */
    public String attributes(Table table) {
        List<String> conditions = attributeList(table);
        return conditions.isEmpty() ? "1" : String.join(" AND ", conditions);
    }

    private List<String> attributeList(Table table) {
        if (!fits(table)) {
            throw new IllegalStateException(table + " lacks a column these filters need");
        }
        List<String> conditions = new ArrayList<>();
        equal(conditions, "base", base);
        if (table.python) {
            equal(conditions, "python", python);
        }
        if (table.host) {
            equal(conditions, "host", host);
        }
        if (table.user) {
            equal(conditions, "user", user);
        }
        if (table.ci) {
            switch (ci) {
                case "exclude" -> conditions.add("ci = 0");
                case "only" -> conditions.add("ci = 1");
                default -> {
                    // every start
                }
            }
        }
        return conditions;
    }

    private static void equal(List<String> conditions, String column, String value) {
        if (value != null) {
            conditions.add(column + " = " + Sql.string(value));
        }
    }

    private static String value(String name, Function<String, String> parameter) {
        String value = blankToNull(parameter.apply(name));
        return value == null ? null : checked(name, value);
    }

    private static String checked(String name, String value) {
        if (value.isBlank() || value.length() > MAX_VALUE_LENGTH) {
            throw new BadRequestException(name, "must be 1 to " + MAX_VALUE_LENGTH + " characters");
        }
        return value;
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
