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

    /** The days under {@code filters} of the sets that meet {@code condition} (on the source's set id), as {@code env_id}, from its raw rows. */
    static EnvironmentDays fromRaw(EnvironmentStarts.Source source, Filters filters, String condition) {
        return new EnvironmentDays("SELECT " + source.setIdAsEnvId() + ", day, user FROM " + source.raw() + " WHERE "
                + filters.condition(source.rawTable()) + " AND " + condition, "count()", "uniqExact(user)");
    }

    /** The days under {@code filters} of the environments that meet {@code condition} (on {@code env_id}, which both sources have). */
    static EnvironmentDays of(Filters filters, String condition) {
        if (filters.fits(Filters.Table.DAILY_ENVIRONMENTS)) {
            return new EnvironmentDays("SELECT env_id, day, starts, users FROM daily_environments WHERE "
                    + filters.condition(Filters.Table.DAILY_ENVIRONMENTS) + " AND " + condition, "countMerge(starts)", "uniqMerge(users)");
        }
        return fromRaw(EnvironmentStarts.Source.INSTALLED, filters, condition);
    }
}
