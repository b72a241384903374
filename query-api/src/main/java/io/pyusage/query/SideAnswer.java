package io.pyusage.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/**
 * A list answered beside a page of rows (a daily series, a report's packages), with the counts that
 * say how much of it there is, written into the answer as {@code <key>} and {@code <key>_<count>}.
 */
public record SideAnswer(List<JsonNode> rows, Map<String, Long> counts) {

    public static SideAnswer of(List<JsonNode> rows) {
        return new SideAnswer(rows, Map.of());
    }

    /** Writes this answer into {@code body} under {@code key}. */
    public void writeInto(ObjectNode body, String key) {
        rows.forEach(body.putArray(key)::add);
        counts.forEach((name, count) -> body.put(key + "_" + name, count));
    }
}
