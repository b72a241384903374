package io.pyusage.bench;

import io.pyusage.aggregator.EncodedRows;
import io.pyusage.aggregator.RowMapper;
import io.pyusage.aggregator.TableLayout;
import io.pyusage.common.clickhouse.ClosedMonths;
import io.pyusage.common.clickhouse.ResendColumns;
import io.pyusage.common.clickhouse.SqlRunner;
import io.pyusage.common.record.EnvironmentFingerprint;
import io.pyusage.common.record.InstalledPackage;
import io.pyusage.common.record.StartupRecord;
import io.pyusage.common.record.UserNames;
import java.io.ByteArrayOutputStream;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Stores starts straight into ClickHouse, bypassing Kafka and the aggregator, with the rows the
 * aggregator would write (its {@link RowMapper}), as {@code RowBinary} or {@code JSONEachRow}: one
 * INSERT per table per batch.
 * Rows are built first and the INSERTs timed apart, so the time is ClickHouse's alone.
 */
final class BulkLoader {

    private final SqlRunner store;
    private final int batchRows;
    private final boolean rowBinary;
    /** The generator shares one package list per environment version, so identity finds repeats cheaply. */
    private final Map<List<InstalledPackage>, Long> fingerprints = new IdentityHashMap<>();
    private final Set<Long> storedEnvironments = new HashSet<>();
    private final ByteArrayOutputStream starts = new ByteArrayOutputStream(1 << 22);
    private final ByteArrayOutputStream packages = new ByteArrayOutputStream(1 << 22);
    private final ByteArrayOutputStream imports = new ByteArrayOutputStream(1 << 20);
    private final ByteArrayOutputStream importSets = new ByteArrayOutputStream(1 << 20);
    private final Set<Long> storedImportSets = new HashSet<>();
    /** Import sets by value: the generator makes a new list for each start. */
    private final Map<List<InstalledPackage>, Long> importFingerprints = new java.util.HashMap<>();
    private int startRows;
    private long offset;
    private long inserts;
    private long insertNanos;
    private long loaded;

    /** @param rowBinary rows as the aggregator sends them ({@code RowBinary}) instead of {@code JSONEachRow} */
    BulkLoader(SqlRunner store, int batchRows, boolean rowBinary) {
        this.store = store;
        this.batchRows = batchRows;
        this.rowBinary = rowBinary;
    }

    /**
     * Bulk-loads the synthetic population of the last {@code days} days ({@link SyntheticYear}) in
     * batches of 100,000, then merges the ended months and clears their resend columns as the
     * aggregator's hourly run would.
     */
    static BulkLoader loadDays(SqlRunner store, int days) {
        return loadDays(store, days, true);
    }

    /** As {@link #loadDays(SqlRunner, int)}; with {@code imports}, each start's import record too ({@link SyntheticYear#imported}). */
    static BulkLoader loadDays(SqlRunner store, int days, boolean imports) {
        BulkLoader loader = new BulkLoader(store, 100_000, true);
        SyntheticYear year = new SyntheticYear(SyntheticYear.Settings.lastDays(days));
        year.forEachStart(imports ? record -> loader.add(record, year.imported(record)) : loader::add);
        loader.flush();
        ClosedMonths.merge(store, LocalDate.now(ZoneOffset.UTC));
        ResendColumns.clearSpent(store, LocalDate.now(ZoneOffset.UTC));
        return loader;
    }

    void add(StartupRecord record) {
        add(record, null);
    }

    /** A start, and when {@code imported} is given its process's import record: its {@code start_imports} row and its set's rows. */
    void add(StartupRecord record, List<InstalledPackage> imported) {
        long envId = fingerprints.computeIfAbsent(record.packages(), EnvironmentFingerprint::of);
        if (storedEnvironments.add(envId)) {
            append(packages, TableLayout.ENVIRONMENT_PACKAGES, RowMapper.packageRows(envId, record));
        }
        append(starts, TableLayout.STARTS, RowMapper.startRow(record, envId, record.packages().size(), "bulk", 0, offset++, UserNames.AS_GIVEN));
        if (imported != null) {
            long importsId = importFingerprints.computeIfAbsent(imported, EnvironmentFingerprint::of);
            if (storedImportSets.add(importsId)) {
                append(importSets, TableLayout.IMPORT_SET_PACKAGES, RowMapper.packageRows(importsId, record.withPackages(imported)));
            }
            append(imports, TableLayout.START_IMPORTS, RowMapper.importRow(record, importsId, imported.size(), "bulk", 0, offset++,
                    UserNames.AS_GIVEN));
        }
        if (++startRows == batchRows) {
            flush();
        }
    }

    void flush() {
        long begin = System.nanoTime();
        if (packages.size() > 0) {
            insert(TableLayout.ENVIRONMENT_PACKAGES, packages.toByteArray());
        }
        if (importSets.size() > 0) {
            insert(TableLayout.IMPORT_SET_PACKAGES, importSets.toByteArray());
        }
        if (imports.size() > 0) {
            insert(TableLayout.START_IMPORTS, imports.toByteArray());
        }
        if (startRows > 0) {
            insert(TableLayout.STARTS, starts.toByteArray());
        }
        insertNanos += System.nanoTime() - begin;
        loaded += startRows;
        starts.reset();
        imports.reset();
        importSets.reset();
        packages.reset();
        startRows = 0;
    }

    private void append(ByteArrayOutputStream out, TableLayout table, EncodedRows rows) {
        out.writeBytes(rowBinary ? rows.bytes() : table.jsonEachRow(rows));
    }

    private void insert(TableLayout table, byte[] rows) {
        if (rowBinary) {
            store.insertRowBinary(table.table(), table.columnNames(), rows);
        } else {
            store.insertJsonEachRow(table.table(), rows);
        }
        inserts++;
    }

    long loaded() {
        return loaded;
    }

    long inserts() {
        return inserts;
    }

    long environments() {
        return storedEnvironments.size();
    }

    long importSets() {
        return storedImportSets.size();
    }

    double insertSeconds() {
        return insertNanos / 1e9;
    }
}
