package io.pyusage.common.clickhouse;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * What the project asks of a ClickHouse engine: statements, rows in (JSON, or RowBinary where speed
 * matters), JSON rows out. The services
 * use {@link ClickHouseStore} (a server over HTTP); the current-release check runs the same code on an
 * embedded engine through this interface.
 */
public interface SqlRunner {

    /** Runs a statement that returns no rows (DDL, ALTER, INSERT ... SELECT). */
    void execute(String sql);

    /**
     * Runs a statement that creates or drops a table or view. One server runs it as it is; a cluster's
     * {@link ReplicatedSchema} runs it on every replica, its engine {@link ReplicatedEngines replicated}.
     */
    default void executeSchemaChange(String ddl) {
        execute(ddl);
    }

    /** Runs a SELECT (without a FORMAT clause) and returns its rows as JSON objects. */
    List<JsonNode> query(String sql);

    /**
     * Runs a SELECT (without a FORMAT clause) that ends with its LIMIT and returns its rows with the
     * number of rows before that LIMIT, so a page of a grouped list needs no second query to count it.
     */
    RowsPage queryPage(String sql);

    /** Inserts newline-delimited JSON objects into {@code table}; returns once all are accepted. */
    void insertJsonEachRow(String table, byte[] ndjson);

    /**
     * Inserts rows in ClickHouse's {@code RowBinary} format, each holding {@code columns} in that
     * order (the others take their defaults); returns once all are accepted.
     */
    void insertRowBinary(String table, List<String> columns, byte[] rows);

    /** {@code INSERT INTO table (columns)}, the names checked: they are written into SQL. */
    static String insertInto(String table, List<String> columns) {
        if (!Sql.isIdentifier(table) || columns.isEmpty() || !columns.stream().allMatch(Sql::isIdentifier)) {
            throw new IllegalArgumentException("not a table and its column names: " + table + " " + columns);
        }
        return "INSERT INTO " + table + " (" + String.join(", ", columns) + ")";
    }
}
