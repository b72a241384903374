package io.pyusage.query;

/**
 * Starts per environment and day under the filters, and how to count them: from the
 * {@code daily_environments} rollup (a quarter of the rows, no strings) when the filters ask only for
 * a window and a base, else from {@code starts}. The numbers are the same either way (users from
 * {@code uniq} states in the rollup, exact below 65,536 of them). Totals over a window without a
 * daily series come cheaper from {@link EnvironmentTotals}.
 *
 * @param rows   a subquery with {@code env_id}, {@code day} and what the aggregates read
 * @param starts the aggregate that counts starts
 * @param users  the aggregate that counts distinct users
 */
record EnvironmentDays(String rows, String starts, String users) {

    /** The days under {@code filters} of the imported sets that meet {@code condition} (on {@code imports_id}), as {@code env_id}. */
    static EnvironmentDays ofImports(Filters filters, String condition) {
        return new EnvironmentDays("SELECT imports_id AS env_id, day, user FROM start_imports WHERE " + filters.condition(Filters.Table.START_IMPORTS)
                + " AND " + condition, "count()", "uniqExact(user)");
    }

    /** The days under {@code filters} of the environments that meet {@code condition} (on {@code env_id}, which both sources have). */
    static EnvironmentDays of(Filters filters, String condition) {
        if (filters.fits(Filters.Table.DAILY_ENVIRONMENTS)) {
            return new EnvironmentDays("SELECT env_id, day, starts, users FROM daily_environments WHERE "
                    + filters.condition(Filters.Table.DAILY_ENVIRONMENTS) + " AND " + condition, "countMerge(starts)", "uniqMerge(users)");
        }
        return new EnvironmentDays("SELECT env_id, day, user FROM starts WHERE " + filters.startsCondition() + " AND " + condition,
                "count()", "uniqExact(user)");
    }
}
