package io.pyusage.query;

import io.pyusage.common.clickhouse.Sql;

/**
 * The report the platform team reads before removing a base version: who still starts Python on it,
 * and which packages (name and version) those environments hold, each marked ready when the same
 * name and version has been seen installed on the target base.
 */
public final class DeprecationQueries {

    /** Packages answered beside the starts; a base holds far fewer name/version pairs in practice. */
    static final int MAX_PACKAGES = 10_000;

    private DeprecationQueries() {
    }

    /** Every user, host, environment and entry point that started Python on the base in the window. */
    public static ListQuery remaining(Filters filters) {
        return new ListQuery("""
                SELECT user, host, prefix, entry, count() AS starts, toString(max(ts)) AS last_seen
                FROM starts
                WHERE %s
                GROUP BY user, host, prefix, entry
                ORDER BY user, host, prefix, entry""".formatted(onBase(filters).startsCondition()));
    }

    /** The packages of those environments, with how many environments and starts each is in, and its readiness. */
    public static String packages(Filters filters, String target) {
        String condition = onBase(filters).startsCondition();
        return """
                SELECT name, version, uniqExact(env_id) AS environments, sum(starts) AS starts,
                       (name, version) IN (
                           SELECT name, version FROM environment_packages
                           WHERE env_id IN (SELECT env_id FROM starts WHERE base = %s)
                       ) AS ready
                FROM (SELECT env_id, count() AS starts FROM starts WHERE %s GROUP BY env_id) AS used
                ALL INNER JOIN (
                    SELECT DISTINCT env_id, name, version FROM environment_packages
                    WHERE env_id IN (SELECT env_id FROM starts WHERE %s)
                ) AS env USING env_id
                GROUP BY name, version
                ORDER BY ready, environments DESC, name, version
                LIMIT %d""".formatted(Sql.string(target(target)), condition, condition, MAX_PACKAGES);
    }

    private static Filters onBase(Filters filters) {
        if (filters.base() == null) {
            throw new BadRequestException("base", "is required: the base version to be removed");
        }
        return filters;
    }

    private static String target(String target) {
        if (target == null || target.isBlank()) {
            throw new BadRequestException("target", "is required: the base version users move to");
        }
        if (target.length() > 64) {
            throw new BadRequestException("target", "must be at most 64 characters");
        }
        return target;
    }
}
