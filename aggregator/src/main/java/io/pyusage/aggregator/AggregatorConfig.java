package io.pyusage.aggregator;

import io.pyusage.common.clickhouse.ClickHouseConfig;
import io.pyusage.common.clickhouse.Retention;
import io.pyusage.common.record.UserNames;
import io.pyusage.common.config.Env;
import io.pyusage.common.config.KafkaSettings;
import java.time.Duration;

/**
 * Aggregator settings, each from an environment variable.
 *
 * @param kafka       where records come from
 * @param groupId     {@code PYUSAGE_AGGREGATOR_GROUP}, default {@code pyusage-aggregator}: aggregators sharing it split the partitions
 * @param clickHouse  where rows go, and the login that writes them ({@code PYUSAGE_CLICKHOUSE_USER}: one without DDL rights)
 * @param maintenance the login of the hourly maintenance (dropping expired partitions, merging ended months, clearing
 *                    columns: ALTER and OPTIMIZE, which ClickHouse counts as DDL): {@code PYUSAGE_CLICKHOUSE_MAINTENANCE_USER}
 *                    and {@code PYUSAGE_CLICKHOUSE_MAINTENANCE_PASSWORD}, default the writer's login
 * @param batchRows   {@code PYUSAGE_AGGREGATOR_BATCH_ROWS}, default 10000: a batch is written when it has this many starts...
 * @param batchBytes  {@code PYUSAGE_AGGREGATOR_BATCH_BYTES}, default 16777216 (16 MiB): ...or when its rows take this many
 *                    bytes (package rows of many new environments are large; this bounds the memory a batch takes)...
 * @param batchAge    {@code PYUSAGE_AGGREGATOR_BATCH_MS}, default 1000: ...or when its first record is this old;
 *                    a due batch that finds the one before it still being written keeps filling, up to twice
 *                    the rows and bytes
 * @param maxBackoff  {@code PYUSAGE_AGGREGATOR_MAX_BACKOFF_MS}, default 30000: longest wait between write retries
 * @param recentEvents {@code PYUSAGE_AGGREGATOR_RECENT_EVENTS}, default 50000: event ids remembered per partition, so a
 *                    start sent twice within that many records of its partition is stored once (see {@link RecentEvents};
 *                    about 100 bytes each); 0 remembers none
 * @param sessionTimeout {@code PYUSAGE_AGGREGATOR_SESSION_TIMEOUT_MS}, default 45000: how soon the group gives a dead
 *                    aggregator's partitions to the others (at least the broker's minimum, 6000 by default)
 * @param retention   {@code PYUSAGE_RETENTION_MONTHS}, default 13: months of raw starts kept, the current one included;
 *                    {@code PYUSAGE_ROLLUP_RETENTION_MONTHS}, default 120: months of daily rollups kept
 * @param userNames   {@code PYUSAGE_PSEUDONYM_KEY}, default none: when set (16+ characters), user names are stored as
 *                    keyed hashes (see {@link UserNames}); the query API needs the same key to resolve them
 * @param bindHost    {@code PYUSAGE_AGGREGATOR_HOST}, default {@code 0.0.0.0}
 * @param httpPort    {@code PYUSAGE_AGGREGATOR_HTTP_PORT}, default 8082 (/health, /metrics)
 */
public record AggregatorConfig(KafkaSettings kafka, String groupId, ClickHouseConfig clickHouse, ClickHouseConfig maintenance, int batchRows,
                               int batchBytes, Duration batchAge, Duration maxBackoff, int recentEvents, Duration sessionTimeout, Retention retention,
                               UserNames userNames, String bindHost, int httpPort) {

    public static AggregatorConfig from(Env env) {
        ClickHouseConfig clickHouse = ClickHouseConfig.from(env);
        String maintenanceUser = env.string("PYUSAGE_CLICKHOUSE_MAINTENANCE_USER", null);
        AggregatorConfig config = new AggregatorConfig(KafkaSettings.from(env),
                env.string("PYUSAGE_AGGREGATOR_GROUP", "pyusage-aggregator"),
                clickHouse,
                maintenanceUser == null ? clickHouse
                        : clickHouse.withLogin(maintenanceUser, env.string("PYUSAGE_CLICKHOUSE_MAINTENANCE_PASSWORD", "")),
                env.integer("PYUSAGE_AGGREGATOR_BATCH_ROWS", 10_000, 1, 1_000_000),
                env.integer("PYUSAGE_AGGREGATOR_BATCH_BYTES", 16 * 1024 * 1024, 64 * 1024, 512 * 1024 * 1024),
                env.millis("PYUSAGE_AGGREGATOR_BATCH_MS", 1_000, 10, 600_000),
                env.millis("PYUSAGE_AGGREGATOR_MAX_BACKOFF_MS", 30_000, 100, 600_000),
                env.integer("PYUSAGE_AGGREGATOR_RECENT_EVENTS", 50_000, 0, 10_000_000),
                env.millis("PYUSAGE_AGGREGATOR_SESSION_TIMEOUT_MS", 45_000, 6_000, 300_000),
                retention(env),
                env.parsed("PYUSAGE_PSEUDONYM_KEY", "", UserNames::withKey),
                env.string("PYUSAGE_AGGREGATOR_HOST", "0.0.0.0"),
                env.port("PYUSAGE_AGGREGATOR_HTTP_PORT", 8082));
        // A batch older than the poll interval limit would get the consumer evicted while it waits.
        env.require(config.batchAge.toMillis() < 300_000, "PYUSAGE_AGGREGATOR_BATCH_MS must stay below Kafka's max.poll.interval.ms (300000)");
        env.validate();
        return config;
    }

    private static Retention retention(Env env) {
        int raw = env.integer("PYUSAGE_RETENTION_MONTHS", 13, 1, 1200);
        int rollups = env.integer("PYUSAGE_ROLLUP_RETENTION_MONTHS", 120, 1, 1200);
        env.require(rollups >= raw, "PYUSAGE_ROLLUP_RETENTION_MONTHS (" + rollups + ") must be at least PYUSAGE_RETENTION_MONTHS (" + raw + ")");
        return rollups >= raw ? new Retention(raw, rollups) : new Retention(raw, raw);
    }
}
