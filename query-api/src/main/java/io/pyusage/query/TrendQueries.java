package io.pyusage.query;

import io.pyusage.common.clickhouse.Sql;
import java.util.Map;
import java.util.Set;

/** Starts and users per day or week: over all starts by base or Python version, and for one package by version. */
public final class TrendQueries {

    private static final Map<String, String> PERIODS = Map.of("day", "day", "week", "toMonday(day)");
    private static final Set<String> GROUPINGS = Set.of("base", "python");

    private TrendQueries() {
    }

    /**
     * {@code GET /api/v1/trends/starts?interval=day|week&by=base|python}, from {@code daily_starts}
     * unless a user or host filter needs the raw starts.
     */
    public static ListQuery starts(String interval, String by, Filters filters) {
        String period = period(interval);
        String key = by == null || by.isBlank() ? "base" : by;
        if (!GROUPINGS.contains(key)) {
            throw new BadRequestException("by", "must be one of " + GROUPINGS);
        }
        String column = Sql.identifier(key, GROUPINGS);
        return new ListQuery(UsageQueries.startsAndUsers("toString(%s) AS period, %s AS key".formatted(period, column), "period, key", filters));
    }

    /**
     * {@code GET /api/v1/packages/{name}/trend?interval=day|week}: per period and version, starts and
     * users; from the environment rollup when the filters allow, read only for the environments with the package.
     */
    public static ListQuery packageTrend(String name, String interval, Filters filters) {
        return packageTrend(name, interval, filters, Usage.INSTALLED);
    }

    /** As {@link #packageTrend(String, String, Filters)}; with {@link Usage#IMPORTED}, the starts that imported it, from the import records. */
    public static ListQuery packageTrend(String name, String interval, Filters filters, Usage usage) {
        String withPackage = PackageQueries.withPackage(usage, name, null);
        // The import records have no daily rollup yet: their days come from the records themselves.
        EnvironmentDays days = usage == Usage.IMPORTED ? EnvironmentDays.fromRaw(usage.source(), filters, withPackage)
                : EnvironmentDays.of(filters, withPackage);
        return new ListQuery("""
                SELECT toString(%s) AS period, version, %s AS starts, %s AS users
                FROM (%s) AS used
                ALL INNER JOIN (%s) AS env USING env_id
                GROUP BY period, version
                ORDER BY period, version""".formatted(period(interval), days.starts(), days.users(), days.rows(),
                PackageQueries.setsWith(usage, name, null)));
    }

    private static String period(String interval) {
        String value = interval == null || interval.isBlank() ? "day" : interval;
        if (!PERIODS.containsKey(value)) {
            throw new BadRequestException("interval", "must be day or week");
        }
        return PERIODS.get(value);
    }
}
