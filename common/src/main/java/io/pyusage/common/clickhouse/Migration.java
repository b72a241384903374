package io.pyusage.common.clickhouse;

import java.util.Arrays;
import java.util.List;

/**
 * One numbered schema change: steps that are each safe to run again, should a migration stop half-way.
 *
 * @param breaksOlderServices true when a service built for an older schema no longer works once it
 *                            ran (it drops or renames what such a service reads or writes); recorded
 *                            with the migration, so an older service can tell it must not start
 */
public record Migration(int version, String name, boolean breaksOlderServices, List<Step> steps) {

    /** A change older services keep working with (new tables, new columns with defaults, new views). */
    public Migration(int version, String name, Step... steps) {
        this(version, name, false, Arrays.asList(steps));
    }

    /** A change that older services do not survive: they must be upgraded with it. */
    public static Migration breaking(int version, String name, Step... steps) {
        return new Migration(version, name, true, Arrays.asList(steps));
    }

    /** One idempotent schema change. */
    public interface Step {
        void apply(SqlRunner store);
    }

    /** A statement that is idempotent by itself, run once (on a cluster, ClickHouse replicates its effect). */
    public static Step sql(String statement) {
        return store -> store.execute(statement);
    }

    /** A {@code CREATE ... IF NOT EXISTS} of a table or view: on a cluster, on every replica (see {@link SqlRunner#executeSchemaChange}). */
    public static Step create(String ddl) {
        return store -> store.executeSchemaChange(ddl);
    }

    /** {@code ALTER TABLE ... ADD COLUMN} unless the column exists: 18.16 has no {@code ADD COLUMN IF NOT EXISTS}. */
    public static Step addColumn(String table, String column, String definition) {
        requireIdentifiers(table, column);
        return store -> {
            if (!hasColumn(store, table, column)) {
                store.execute("ALTER TABLE " + table + " ADD COLUMN " + column + " " + definition);
            }
        };
    }

    /** {@code ALTER TABLE ... DROP COLUMN} if the column is there: 18.16 has no {@code DROP COLUMN IF EXISTS}. */
    public static Step dropColumn(String table, String column) {
        requireIdentifiers(table, column);
        return store -> {
            if (hasColumn(store, table, column)) {
                store.execute("ALTER TABLE " + table + " DROP COLUMN " + column);
            }
        };
    }

    private static boolean hasColumn(SqlRunner store, String table, String column) {
        return !store.query("SELECT name FROM system.columns WHERE database = currentDatabase() AND table = "
                + Sql.string(table) + " AND name = " + Sql.string(column)).isEmpty();
    }

    /**
     * A rollup filled by the materialized view {@code <table>_mv} from {@code select} from now on, and
     * by the same {@code select} from the rows stored before the view existed, unless the rollup
     * already has rows (a migration run again after it stopped half-way must not count them twice).
     * The view is created first and migrations run before the aggregator consumes, so no row is missed.
     */
    public static Step filledByView(String table, String select) {
        requireIdentifiers(table);
        return store -> {
            store.executeSchemaChange("CREATE MATERIALIZED VIEW IF NOT EXISTS " + table + "_mv TO " + table + " AS " + select);
            if (store.query("SELECT count() AS n FROM " + table).get(0).get("n").asLong() == 0) {
                store.execute("INSERT INTO " + table + " " + select);
            }
        };
    }

    /**
     * The materialized view {@code <table>_mv} dropped and created again with {@code select}: 18.16
     * cannot alter a view's query. Blocks inserted between the two statements do not reach the
     * rollup, so a migration with this step asks for the writers to be stopped.
     */
    public static Step replaceView(String table, String select) {
        requireIdentifiers(table);
        return store -> {
            store.executeSchemaChange("DROP TABLE IF EXISTS " + table + "_mv");
            store.executeSchemaChange("CREATE MATERIALIZED VIEW " + table + "_mv TO " + table + " AS " + select);
        };
    }

    private static void requireIdentifiers(String... names) {
        for (String name : names) {
            if (!Sql.isIdentifier(name)) {
                throw new IllegalArgumentException("not an identifier: " + name);
            }
        }
    }
}
