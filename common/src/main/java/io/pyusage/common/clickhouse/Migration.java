package io.pyusage.common.clickhouse;

import java.util.Arrays;
import java.util.List;

/** One numbered schema change: steps that are each safe to run again, should a migration stop half-way. */
public record Migration(int version, String name, List<Step> steps) {

    public Migration(int version, String name, Step... steps) {
        this(version, name, Arrays.asList(steps));
    }

    /** One idempotent schema change. */
    public interface Step {
        void apply(ClickHouseStore store);
    }

    /** A statement that is idempotent by itself ({@code IF NOT EXISTS}). */
    public static Step sql(String statement) {
        return store -> store.execute(statement);
    }

    /** {@code ALTER TABLE ... ADD COLUMN} unless the column exists: 18.16 has no {@code ADD COLUMN IF NOT EXISTS}. */
    public static Step addColumn(String table, String column, String definition) {
        if (!Sql.isIdentifier(table) || !Sql.isIdentifier(column)) {
            throw new IllegalArgumentException("not identifiers: " + table + ", " + column);
        }
        return store -> {
            boolean exists = !store.query("SELECT name FROM system.columns WHERE database = currentDatabase() AND table = "
                    + Sql.string(table) + " AND name = " + Sql.string(column)).isEmpty();
            if (!exists) {
                store.execute("ALTER TABLE " + table + " ADD COLUMN " + column + " " + definition);
            }
        };
    }
}
