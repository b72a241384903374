package io.pyusage.query;

import com.fasterxml.jackson.databind.JsonNode;
import io.pyusage.common.clickhouse.Sql;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * How to page a long list sorted by a key column first without grouping and sorting all of it: the
 * rows each key has are counted (one small group per key), the keys that hold the page are located,
 * and only the rows of that range of keys are grouped, sorted and limited. The deprecation report's
 * remaining starts (over a million rows a year for one base, sorted by user) are paged this way.
 *
 * @param keyColumn  the list's first sort column
 * @param rowsPerKey a SELECT of {@code list_key} and {@code list_rows} (how many list rows have that key), ordered by key
 * @param ofKeys     the list under an extra condition on the key column: a complete SELECT without LIMIT
 */
public record KeyedList(String keyColumn, String rowsPerKey, UnaryOperator<String> ofKeys) {

    /**
     * Where a page lies: the first and last key whose rows it holds (none past the end), how many
     * rows of the first key come before it, and the number of rows of the whole list.
     */
    public record Located(String firstKey, String lastKey, long skip, long total) {

        public boolean isEmpty() {
            return firstKey == null;
        }
    }

    /** Finds the page in the answer of {@link #rowsPerKey}. */
    public static Located locate(List<JsonNode> rowsPerKey, Page page) {
        long end = (long) page.offset() + page.limit();
        long before = 0;
        String first = null;
        String last = null;
        long skip = 0;
        for (JsonNode key : rowsPerKey) {
            long rows = key.get("list_rows").asLong();
            if (before + rows > page.offset() && before < end) {
                if (first == null) {
                    first = key.get("list_key").asText();
                    skip = page.offset() - before;
                }
                last = key.get("list_key").asText();
            }
            before += rows;
        }
        return new Located(first, last, skip, before);
    }

    /** The page's rows: the located keys' rows, less the ones before the page. */
    public String page(Located located, Page page) {
        if (located.isEmpty()) {
            throw new IllegalArgumentException("a page past the end has no rows to ask for");
        }
        String keys = "%s >= %s AND %s <= %s".formatted(keyColumn, Sql.string(located.firstKey()), keyColumn, Sql.string(located.lastKey()));
        return ofKeys.apply(keys) + "\nLIMIT " + located.skip() + ", " + page.limit();
    }
}
