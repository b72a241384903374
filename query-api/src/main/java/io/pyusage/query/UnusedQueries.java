package io.pyusage.query;

/**
 * What a base's maintainers can drop: the distributions installed in environments started on the
 * base in the window that no process on the base imported in it, by name (any version imported
 * counts), with the environments and users that carry them. Only as good as the import records:
 * {@link #coverage} says how many of the window's starts on the base sent one.
 */
public final class UnusedQueries {

    private UnusedQueries() {
    }

    /** {@code GET /api/v1/reports/unused?base=}: the packages installed and never imported, most widely installed first. */
    public static ListQuery unused(Filters filters) {
        Filters onBase = onBase(filters);
        return new ListQuery("""
                SELECT name, %s, uniqExact(env_id) AS environments, uniqExact(user) AS users
                FROM environment_packages FINAL
                ALL INNER JOIN (SELECT DISTINCT env_id, user FROM (%s) AS used) AS used USING env_id
                WHERE name NOT IN (SELECT name FROM import_set_packages WHERE imports_id IN (SELECT env_id FROM (%s) AS imported))
                GROUP BY name
                ORDER BY environments DESC, name""".formatted(SubjectQueries.boundedNames("version", "versions"),
                EnvironmentStarts.rows(onBase, "1"), EnvironmentStarts.rows(EnvironmentStarts.Source.IMPORTED, onBase, "1")));
    }

    /** The window's starts on the base and the import records sent from them: a report over few records says little. */
    public static String coverage(Filters filters) {
        Filters onBase = onBase(filters);
        return "SELECT (SELECT count() FROM starts WHERE %s) AS starts, (SELECT count() FROM start_imports WHERE %s) AS import_records"
                .formatted(onBase.startsCondition(), onBase.condition(Filters.Table.START_IMPORTS));
    }

    private static Filters onBase(Filters filters) {
        if (filters.base() == null) {
            throw new BadRequestException("base", "is required: the base whose packages to check");
        }
        return filters;
    }
}
