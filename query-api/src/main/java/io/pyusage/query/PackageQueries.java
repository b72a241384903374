package io.pyusage.query;

import io.pyusage.common.clickhouse.Sql;
import io.pyusage.common.record.PackageNames;

/**
 * The package lists. Environments with a package are looked up by name in
 * {@code environment_packages} (sorted by name), then the starts in those environments are filtered
 * and grouped. Every JOIN subquery has an alias: current ClickHouse releases require one.
 */
public final class PackageQueries {

    private PackageQueries() {
    }

    /** {@code GET /api/v1/packages?prefix=}: packages whose name starts with the prefix, with users and starts. */
    public static ListQuery search(String prefix, Filters filters) {
        return search(prefix, filters, Usage.INSTALLED);
    }

    /** As {@link #search(String, Filters)}; with {@link Usage#IMPORTED}, the users and starts that imported each package. */
    public static ListQuery search(String prefix, Filters filters, Usage usage) {
        String normalised = prefix == null || prefix.isBlank() ? "" : PackageNames.normalise(prefix);
        if (normalised.length() > 200 || !normalised.matches("[a-z0-9-]*")) {
            throw new BadRequestException("prefix", "must be the beginning of a package name");
        }
        // Starts are first reduced to one row per environment and user: joined to every package name raw,
        // a year of starts would fan out to billions of rows (a short prefix matches hundreds of names).
        // That small set is the join's right side (the one ClickHouse holds in memory), the package rows
        // stream past it. They are read FINAL: a package row written twice (until ClickHouse merges it
        // away) is read once, merged on the way as the rows come sorted by name and environment, so the
        // sums are plain. Counting each environment and user once per name instead took most of a short
        // prefix's time: "la" (2,940 synthetic names, 80 % of the package rows) 2.4-3.2 s, now 0.5-1.0.
        // LIKE reads only the prefix's range of the index; the prefix holds no wildcard (checked above).
        String namePrefix = "name LIKE " + Sql.string(normalised + "%");
        // An imported set's rows are read under the name env_id, in a subquery that reads only the prefix's range itself.
        String packages = usage == Usage.IMPORTED
                ? "(SELECT imports_id AS env_id, name FROM import_set_packages FINAL WHERE " + namePrefix + ") AS packages"
                : "environment_packages FINAL";
        return new ListQuery("""
                SELECT name, uniqExact(user) AS users, sum(user_starts) AS starts
                FROM %s
                ALL INNER JOIN (SELECT env_id, user, sum(started) AS user_starts FROM (%s) AS used GROUP BY env_id, user) AS used
                USING env_id
                WHERE %s
                GROUP BY name
                ORDER BY users DESC, name""".formatted(packages, EnvironmentStarts.rows(usage.source(), filters, "1"), namePrefix));
    }

    /**
     * {@code GET /api/v1/packages/{name}}: per version, users, hosts, environments, starts, and the
     * first and last day seen; from the environment rollups when the filters allow (see {@link EnvironmentTotals}),
     * read only for the environments with the package.
     */
    public static ListQuery versions(String name, Filters filters) {
        return versions(name, filters, Usage.INSTALLED);
    }

    /** As {@link #versions(String, Filters)}; with {@link Usage#IMPORTED}, per version imported, from the import records. */
    public static ListQuery versions(String name, Filters filters, Usage usage) {
        String withPackage = withPackage(usage, name, null);
        // The import records have no daily rollup yet: their totals come from the records themselves.
        EnvironmentTotals totals = usage == Usage.IMPORTED ? EnvironmentTotals.fromRaw(usage.source(), filters, withPackage)
                : EnvironmentTotals.of(filters, withPackage);
        return new ListQuery("""
                SELECT version, %s AS users, %s AS hosts, uniqExact(env_id) AS environments,
                       %s AS starts, toString(min(first_seen)) AS first_seen, toString(max(last_seen)) AS last_seen
                FROM (%s) AS used
                ALL INNER JOIN (%s) AS env USING env_id
                GROUP BY version
                ORDER BY users DESC, version""".formatted(totals.users(), totals.hosts(), totals.starts(), totals.rows(),
                setsWith(usage, name, null)));
    }

    /**
     * {@code GET /api/v1/packages/{name}/users?version=}: who uses it, with the number of hosts,
     * versions, environments, bases, starts, last seen. Everything but the hosts comes from
     * {@link EnvironmentStarts} for every user (a row per environment and user), which also ranks
     * them; the hosts are then counted for the page's users only. A number, not names: the heaviest
     * users run on thousands of hosts in a year (the user's page lists them per environment).
     */
    public static ListQuery users(String name, String version, Filters filters) {
        return users(name, version, filters, Usage.INSTALLED);
    }

    /**
     * As {@link #users(String, String, Filters)}; with {@link Usage#IMPORTED}, who imported it: the
     * same lookup by name in {@code import_set_packages}, the starts from {@code monthly_imports} and
     * {@code start_imports} (its {@code environments} are then the prefixes of the environments it
     * was imported in, its {@code last_seen} a day).
     */
    public static ListQuery users(String name, String version, Filters filters, Usage usage) {
        String environments = setsWith(usage, name, version);
        String withPackage = withPackage(usage, name, version);
        EnvironmentStarts.Source source = usage.source();
        return ListQuery.ranked("""
                SELECT user,
                       %s,
                       %s,
                       %s,
                       sum(started) AS starts,
                       toString(max(last_start)) AS last_seen
                FROM (%s) AS used
                ALL INNER JOIN (%s) AS env USING env_id
                GROUP BY user
                ORDER BY starts DESC, user""".formatted(SubjectQueries.boundedNames("version", "versions"),
                SubjectQueries.boundedNames("prefix", "environments"), SubjectQueries.boundedNames("base", "bases"),
                EnvironmentStarts.rows(source, filters, withPackage), environments),
                users -> EnvironmentStarts.hosts(source, filters, withPackage, users));
    }

    /**
     * The condition on the source's set id ({@code env_id}, or {@code imports_id}) that keeps the sets
     * with the package (at {@code version}, when given): the sources sorted by set then read only
     * those sets' part of the index.
     */
    static String withPackage(Usage usage, String name, String version) {
        return usage.source().setId() + " IN (SELECT env_id FROM (%s) AS with_package)".formatted(setsWith(usage, name, version));
    }

    /**
     * The sets that hold the package (at {@code version}, when given) as {@code env_id}, with its
     * version there: environments' installed sets, or imported sets.
     */
    static String setsWith(Usage usage, String name, String version) {
        String normalised = PackageNames.normalise(name);
        if (!PackageNames.isNormalised(normalised) || normalised.length() > 200) {
            throw new BadRequestException("name", "is not a package name");
        }
        if (version != null && version.length() > 128) {
            throw new BadRequestException("version", "must be at most 128 characters");
        }
        String versionFilter = version == null || version.isBlank() ? "" : " AND version = " + Sql.string(version);
        EnvironmentStarts.Source source = usage.source();
        return "SELECT DISTINCT " + source.setIdAsEnvId() + ", version FROM " + source.setTable() + " WHERE name = " + Sql.string(normalised)
                + versionFilter;
    }
}
