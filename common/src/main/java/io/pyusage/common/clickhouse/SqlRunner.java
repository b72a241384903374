package io.pyusage.common.clickhouse;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * What the project asks of a ClickHouse engine: statements, JSON rows in, JSON rows out. The services
 * use {@link ClickHouseStore} (a server over HTTP); the current-release check runs the same code on an
 * embedded engine through this interface.
 */
public interface SqlRunner {

    /** Runs a statement that returns no rows (DDL, ALTER, INSERT ... SELECT). */
    void execute(String sql);

    /** Runs a SELECT (without a FORMAT clause) and returns its rows as JSON objects. */
    List<JsonNode> query(String sql);

    /**
     * Runs a SELECT (without a FORMAT clause) that ends with its LIMIT and returns its rows with the
     * number of rows before that LIMIT, so a page of a grouped list needs no second query to count it.
     */
    RowsPage queryPage(String sql);

    /** Inserts newline-delimited JSON objects into {@code table}; returns once all are accepted. */
    void insertJsonEachRow(String table, byte[] ndjson);
}
