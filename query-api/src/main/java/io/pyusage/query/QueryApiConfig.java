package io.pyusage.query;

import io.pyusage.common.clickhouse.ClickHouseConfig;
import io.pyusage.common.config.Env;
import io.pyusage.common.config.ServerTls;
import io.pyusage.common.record.UserNames;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Query API settings, each from an environment variable.
 *
 * @param bindHost   {@code PYUSAGE_QUERY_HOST}, default {@code 0.0.0.0}
 * @param httpPort   {@code PYUSAGE_QUERY_HTTP_PORT}, default 8081
 * @param clickHouse where the data is
 * @param maxQueryTime   {@code PYUSAGE_QUERY_MAX_SECONDS}, default 20: ClickHouse stops a query after this long
 * @param maxQueryMemory {@code PYUSAGE_QUERY_MAX_MEMORY_MB}, default 2048: ...or when it needs more memory than this
 * @param tokens      {@code PYUSAGE_QUERY_TOKENS}, default none (everything open): {@code token=reader,token=admin};
 *                    when set, {@code /api/*} and {@code /reports/*} need one (401 without)
 * @param openMetrics {@code PYUSAGE_QUERY_OPEN_METRICS}, default true: false puts {@code /metrics} behind the tokens too
 * @param userNames   {@code PYUSAGE_PSEUDONYM_KEY}, default none: the aggregators' key when they store user names as
 *                    keyed hashes; an admin token can then ask {@code /api/v1/pseudonyms/{user}} for a name's hash
 * @param gateLimits  {@code PYUSAGE_QUERY_CONCURRENT} (default 6) requests run at once, {@code _CONCURRENT_PER_CLIENT}
 *                    (default 2) of one token or address, {@code _WAITING_PER_CLIENT} (default 16) more of it wait
 *                    (429 beyond): see {@link QueryGate}
 * @param tls         {@code PYUSAGE_QUERY_TLS_CERT} / {@code _TLS_KEY}, default none: PEM files with which the API
 *                    speaks HTTPS only
 */
public record QueryApiConfig(String bindHost, int httpPort, ClickHouseConfig clickHouse, Duration maxQueryTime, long maxQueryMemory,
                             ApiTokens tokens, boolean openMetrics, UserNames userNames, Optional<ServerTls> tls,
                             QueryGate.Limits gateLimits) {

    public static QueryApiConfig from(Env env) {
        QueryApiConfig config = new QueryApiConfig(env.string("PYUSAGE_QUERY_HOST", "0.0.0.0"),
                env.port("PYUSAGE_QUERY_HTTP_PORT", 8081), ClickHouseConfig.from(env),
                Duration.ofSeconds(env.integer("PYUSAGE_QUERY_MAX_SECONDS", 20, 1, 3600)),
                env.integer("PYUSAGE_QUERY_MAX_MEMORY_MB", 2048, 16, 1_048_576) * 1024L * 1024L,
                tokens(env), env.bool("PYUSAGE_QUERY_OPEN_METRICS", true),
                env.parsed("PYUSAGE_PSEUDONYM_KEY", "", UserNames::withKey),
                ServerTls.from(env, "PYUSAGE_QUERY"),
                gateLimits(env));
        env.validate();
        return config;
    }

    private static QueryGate.Limits gateLimits(Env env) {
        int total = env.integer("PYUSAGE_QUERY_CONCURRENT", 6, 1, 1_000);
        int perClient = env.integer("PYUSAGE_QUERY_CONCURRENT_PER_CLIENT", Math.min(2, total), 1, 1_000);
        env.require(perClient <= total, "PYUSAGE_QUERY_CONCURRENT_PER_CLIENT (" + perClient + ") must not exceed PYUSAGE_QUERY_CONCURRENT ("
                + total + ")");
        return new QueryGate.Limits(total, Math.min(perClient, total), env.integer("PYUSAGE_QUERY_WAITING_PER_CLIENT", 16, 0, 10_000));
    }

    private static ApiTokens tokens(Env env) {
        try {
            return ApiTokens.parse(env.string("PYUSAGE_QUERY_TOKENS", ""));
        } catch (IllegalArgumentException e) {
            env.require(false, "PYUSAGE_QUERY_TOKENS: " + e.getMessage());
            return ApiTokens.parse("");
        }
    }

    /**
     * What every API query runs with: {@code readonly=2} (no writes, no DDL, settings allowed) and the
     * limits, so that an expensive request gets a clear error and the server stays up. Counts are
     * answered as JSON numbers (ClickHouse quotes 64-bit integers by default).
     */
    public Map<String, String> querySettings() {
        return Map.of("readonly", "2", "output_format_json_quote_64bit_integers", "0",
                "max_execution_time", String.valueOf(maxQueryTime.toSeconds()),
                "max_memory_usage", String.valueOf(maxQueryMemory));
    }
}
