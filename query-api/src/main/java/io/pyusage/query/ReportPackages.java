package io.pyusage.query;

import com.fasterxml.jackson.databind.JsonNode;
import io.pyusage.common.clickhouse.RowsPage;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The deprecation report's packages, not-ready first, as far as {@link DeprecationQueries#MAX_PACKAGES}
 * rows, with how many there are in all and how many of those rows are not ready.
 */
record ReportPackages(List<JsonNode> rows, long total, long notReady, long notReadyImported) {

    static ReportPackages of(RowsPage found) {
        long notReady = found.rows().stream().filter(row -> row.path("ready").asInt() == 0).count();
        long notReadyImported = found.rows().stream().filter(row -> row.path("ready").asInt() == 0 && row.path("imported").asInt() == 1).count();
        return new ReportPackages(found.rows(), found.rowsBeforeLimit().orElse(found.rows().size()), notReady, notReadyImported);
    }

    /** One page of them, with the counts that tell the rest. */
    SideAnswer page(Page page) {
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put("total", total);
        counts.put("not_ready", notReady);
        counts.put("not_ready_imported", notReadyImported);
        counts.put("limit", (long) page.limit());
        counts.put("offset", (long) page.offset());
        return new SideAnswer(page.of(rows), counts);
    }
}
