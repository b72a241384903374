package io.pyusage.common.clickhouse;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * The rows of a query with a LIMIT, and how many rows there were before it as ClickHouse reports it
 * ({@code rows_before_limit_at_least} of {@code FORMAT JSON}): exact for a query that groups, as the
 * sort before the LIMIT sees every group; empty when the engine did not report it.
 */
public record RowsPage(List<JsonNode> rows, OptionalLong rowsBeforeLimit) {

    /** Reads a {@code FORMAT JSON} answer: rows under {@code data}. */
    public static RowsPage fromJson(JsonNode answer) {
        List<JsonNode> rows = new ArrayList<>();
        answer.path("data").forEach(rows::add);
        JsonNode before = answer.path("rows_before_limit_at_least");
        return new RowsPage(rows, before.isIntegralNumber() ? OptionalLong.of(before.asLong()) : OptionalLong.empty());
    }
}
