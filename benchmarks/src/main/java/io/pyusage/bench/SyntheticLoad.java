package io.pyusage.bench;

import static io.pyusage.bench.CollectorBenchmark.say;

import io.pyusage.common.clickhouse.ClickHouseConfig;
import io.pyusage.common.clickhouse.ClickHouseStore;
import io.pyusage.common.clickhouse.SchemaMigrations;
import io.pyusage.common.config.Env;

/**
 * Loads synthetic starts ({@link SyntheticYear}, ending yesterday) into a ClickHouse by bulk insert,
 * with the rows the aggregator writes, so the query API and dashboards can be tried on a realistic
 * year: {@code ./pyusage generate [-Dbench.days=365]}, into the database {@code PYUSAGE_CLICKHOUSE_URL}
 * / {@code PYUSAGE_CLICKHOUSE_DATABASE} name (the pyusage script gives the running embedded default's).
 */
public final class SyntheticLoad {

    private SyntheticLoad() {
    }

    public static void main(String[] args) {
        int days = Integer.getInteger("bench.days", 365);
        Env env = Env.system();
        ClickHouseConfig config = ClickHouseConfig.from(env);
        env.validate();
        SchemaMigrations.apply(config);
        try (ClickHouseStore store = new ClickHouseStore(config)) {
            BulkLoader loader = BulkLoader.loadDays(store, days);
            say("loaded %,d synthetic starts (the last %d days, %,d environments) into %s database %s", loader.loaded(), days,
                    loader.environments(), config.url(), config.database());
        }
    }
}
