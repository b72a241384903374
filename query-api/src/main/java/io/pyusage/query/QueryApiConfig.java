package io.pyusage.query;

import io.pyusage.common.clickhouse.ClickHouseConfig;
import io.pyusage.common.config.Env;

/**
 * Query API settings, each from an environment variable.
 *
 * @param bindHost   {@code PYUSAGE_QUERY_HOST}, default {@code 0.0.0.0}
 * @param httpPort   {@code PYUSAGE_QUERY_HTTP_PORT}, default 8081
 * @param clickHouse where the data is
 */
public record QueryApiConfig(String bindHost, int httpPort, ClickHouseConfig clickHouse) {

    public static QueryApiConfig from(Env env) {
        QueryApiConfig config = new QueryApiConfig(env.string("PYUSAGE_QUERY_HOST", "0.0.0.0"),
                env.port("PYUSAGE_QUERY_HTTP_PORT", 8081), ClickHouseConfig.from(env));
        env.validate();
        return config;
    }
}
