package io.pyusage.query;

import io.pyusage.common.clickhouse.Sql;
import io.pyusage.common.record.PackageNames;

/**
 * "Who uses package P?": the environments that have P installed are looked up by name in
 * {@code environment_packages} (sorted by name), then the starts in those environments are grouped
 * by user. Written for ClickHouse 18.16 and current releases alike (current ones require the
 * subqueries of a JOIN to have aliases).
 */
public final class PackageUsersQuery {

    private PackageUsersQuery() {
    }

    /** {@code name} may be given in any spelling; it is normalised as PEP 503 says. */
    public static String sql(String name, String version, TimeWindow window, int limit) {
        String normalised = PackageNames.normalise(name);
        if (!PackageNames.isNormalised(normalised) || normalised.length() > 200) {
            throw new BadRequestException("name", "is not a package name");
        }
        String versionFilter = version == null || version.isBlank() ? "" : " AND version = " + Sql.string(version);
        String environments = "SELECT DISTINCT env_id, version FROM environment_packages WHERE name = "
                + Sql.string(normalised) + versionFilter;
        return """
                SELECT user,
                       groupUniqArray(host) AS hosts,
                       groupUniqArray(version) AS versions,
                       count() AS starts,
                       toString(max(ts)) AS last_seen
                FROM (
                    SELECT user, host, ts, env_id
                    FROM starts
                    WHERE day >= %s AND day <= %s
                      AND env_id IN (SELECT env_id FROM (%s))
                ) AS used
                ALL INNER JOIN (%s) AS env USING env_id
                GROUP BY user
                ORDER BY starts DESC, user
                LIMIT %d
                """.formatted(Sql.date(window.since()), Sql.date(window.until()), environments, environments, limit);
    }
}
