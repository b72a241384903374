package io.pyusage.bench;

import static io.pyusage.bench.CollectorBenchmark.say;

import io.pyusage.common.clickhouse.ClickHouseConfig;
import io.pyusage.common.clickhouse.ClickHouseStore;
import io.pyusage.devstack.servers.EmbeddedClickHouse;

/**
 * Bytes on disk per start for a year of synthetic starts (40,000 a day, see {@link SyntheticYear}),
 * bulk-loaded into a fresh ClickHouse with the project's schema and merged as it would be over time.
 * Not a test: run it with {@code ./pyusage bench storage}; {@code -Dbench.days=N} loads fewer days.
 */
public final class StorageBenchmark {

    private static final int DAYS = Integer.getInteger("bench.days", 365);

    private StorageBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        try (WorkDirectory dir = WorkDirectory.create("storage");
             EmbeddedClickHouse server = EmbeddedClickHouse.onFreePorts(dir.resolve("clickhouse")).start()) {
            ClickHouseConfig config = BenchDatabases.migrated(server, "year");
            try (ClickHouseStore store = new ClickHouseStore(config)) {
                SyntheticYear.Settings settings = SyntheticYear.Settings.lastDays(DAYS);
                say("loading %d days of synthetic starts (%,d a day on average, %,d users, %,d hosts, %,d packages, %,d environments)",
                        DAYS, settings.startsPerDay(), settings.users(), settings.hosts(), settings.packages(), settings.environments());
                long begin = System.nanoTime();
                BulkLoader loader = BulkLoader.loadDays(store, DAYS);
                say("loaded %,d starts with their import records, %,d distinct environments and %,d imported sets, in %.0f s"
                        + " (%,.0f starts/s into ClickHouse)", loader.loaded(), loader.environments(), loader.importSets(),
                        (System.nanoTime() - begin) / 1e9, loader.loaded() / loader.insertSeconds());
                long total = DiskUsage.report(store, loader.loaded());
                // The same starts without their import records, in the same run: what the imports cost.
                ClickHouseConfig withoutImports = BenchDatabases.migrated(server, "year_without_imports");
                try (ClickHouseStore baseline = new ClickHouseStore(withoutImports)) {
                    BulkLoader startsOnly = BulkLoader.loadDays(baseline, DAYS, false);
                    say("the same starts without import records, %,d environments:", startsOnly.environments());
                    long without = DiskUsage.report(baseline, startsOnly.loaded());
                    say("SUMMARY starts=%d bytes_per_start=%.2f target<=100 without_imports=%.2f imports_add=%.2f target<=12", loader.loaded(),
                            (double) total / loader.loaded(), (double) without / startsOnly.loaded(), (double) (total - without) / loader.loaded());
                }
            }
        }
    }
}
