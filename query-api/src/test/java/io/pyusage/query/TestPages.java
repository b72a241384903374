package io.pyusage.query;

import com.fasterxml.jackson.databind.JsonNode;
import io.pyusage.common.clickhouse.SqlRunner;
import java.util.ArrayList;
import java.util.List;

/** A list's page read as the service reads it: a ranked list's page with its details joined in. */
final class TestPages {

    private TestPages() {
    }

    static List<JsonNode> read(SqlRunner store, ListQuery query, Page page) {
        List<JsonNode> rows = store.query(query.page(page));
        List<String> details = query.details(rows);
        if (details.isEmpty()) {
            return rows;
        }
        List<JsonNode> detailRows = new ArrayList<>();
        details.forEach(part -> detailRows.addAll(store.query(part)));
        return ListQuery.withDetails(rows, detailRows);
    }
}
