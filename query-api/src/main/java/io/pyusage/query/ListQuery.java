package io.pyusage.query;

/**
 * A list the API answers a page of, with the number of rows in all. {@code sql} is a complete,
 * ordered SELECT without LIMIT; ties in its ORDER BY are broken by a unique column so that pages do
 * not overlap.
 */
public record ListQuery(String sql) {

    /** {@code LIMIT offset, count}: the form ClickHouse 18.16 and current releases both read. */
    public String page(Page page) {
        return sql + "\nLIMIT " + page.offset() + ", " + page.limit();
    }

    public String count() {
        return "SELECT count() AS total FROM (" + sql + ") AS list";
    }
}
