package io.pyusage.query;

import java.util.function.UnaryOperator;

/**
 * A list the API answers a page of, with the number of rows in all. {@code sql} is a complete
 * SELECT without LIMIT that ends with its ORDER BY line; ties in that order are broken by a unique
 * column so that pages do not overlap.
 *
 * @param sql     the list, or for a ranked list its cheap ranking (the key column first, then the order)
 * @param details for a ranked list: the page's rows from the page of the ranking (given as a
 *                subquery; never spliced into text that holds values); null for a plain list
 * @param keyed   for a list paged by its keys' row counts, how ({@link KeyedList}); else null
 */
public record ListQuery(String sql, UnaryOperator<String> details, KeyedList keyed) {

    private static final String ORDER_BY = "\nORDER BY ";

    public ListQuery {
        int order = sql.lastIndexOf(ORDER_BY);
        // No parenthesis after it: the last ORDER BY is the outer query's, not a subquery's.
        if (order < 0 || sql.indexOf(')', order) >= 0) {
            throw new IllegalArgumentException("a list ends with its ORDER BY line: " + sql);
        }
    }

    public ListQuery(String sql) {
        this(sql, null, null);
    }

    /**
     * A list whose page is chosen by a cheap ranking and then detailed for the page's keys only, so
     * the expensive columns (arrays of names, say) are computed for a page, not for every row.
     */
    public static ListQuery ranked(String ranking, UnaryOperator<String> details) {
        return new ListQuery(ranking, details, null);
    }

    /** A long list whose pages are found from its keys' row counts ({@code sql} is the whole list, for a count or a check). */
    public static ListQuery keyed(KeyedList keyed) {
        return new ListQuery(keyed.ofKeys().apply("1"), null, keyed);
    }

    /** Whether the page is a ranking's page detailed (its LIMIT is inside a subquery). */
    public boolean isRanked() {
        return details != null;
    }

    /** {@code LIMIT offset, count}: the form ClickHouse 18.16 and current releases both read. */
    public String page(Page page) {
        String limited = sql + "\nLIMIT " + page.offset() + ", " + page.limit();
        return details == null ? limited : details.apply(limited);
    }

    /** The number of rows, counted without the final ORDER BY: sorting every row would not change it. */
    public String count() {
        return "SELECT count() AS total FROM (" + sql.substring(0, sql.lastIndexOf(ORDER_BY)) + ") AS list";
    }
}
