package io.pyusage.aggregator;

import io.pyusage.common.clickhouse.ClickHouseStore;

/**
 * Writes one batch: package rows first, then starts, so a start is never visible before its
 * environment. One INSERT per table per batch.
 */
final class ClickHouseWriter {

    private final ClickHouseStore store;

    ClickHouseWriter(ClickHouseStore store) {
        this.store = store;
    }

    void write(Batch batch) {
        if (batch.packageRows() > 0) {
            store.insertJsonEachRow("environment_packages", batch.packagesJson());
        }
        if (batch.startRows() > 0) {
            store.insertJsonEachRow("starts", batch.startsJson());
        }
    }
}
