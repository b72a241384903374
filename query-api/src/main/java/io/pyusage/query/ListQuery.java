package io.pyusage.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pyusage.common.clickhouse.Sql;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A list the API answers a page of, with the number of rows in all. {@code sql} is a complete
 * SELECT without LIMIT that ends with its ORDER BY line; ties in that order are broken by a unique
 * column so that pages do not overlap.
 *
 * @param sql     the list; for a ranked list, every column but the costly ones, its key first
 * @param details for a ranked list: the costly columns of given keys (a list of SQL literals made
 *                by {@link Sql}), one row per key, the key first; null for a plain list
 * @param keyed   for a list paged by its keys' row counts, how ({@link KeyedList}); else null
 */
public record ListQuery(String sql, UnaryOperator<String> details, KeyedList keyed) {

    private static final String ORDER_BY = "\nORDER BY ";
    /** The keys' share of a details query: the rest of it is a few KiB at most. */
    static final int MAX_KEYS_TEXT = 128 * 1024;

    public ListQuery {
        int order = sql.lastIndexOf(ORDER_BY);
        // No parenthesis after it: the last ORDER BY is the outer query's, not a subquery's.
        if (order < 0 || sql.indexOf(')', order) >= 0) {
            throw new IllegalArgumentException("a list ends with its ORDER BY line: " + sql);
        }
    }

    public ListQuery(String sql) {
        this(sql, null, null);
    }

    /**
     * A list whose page is chosen by a cheap ranking and then detailed for the page's keys only, so
     * the costly columns (arrays of names, say) are computed for a page, not for every row. The page
     * of the ranking is a plain page, with the number of rows before its LIMIT; its keys are handed
     * to the details as literals, so the ranking is not computed again inside the details' query.
     */
    public static ListQuery ranked(String ranking, UnaryOperator<String> details) {
        return new ListQuery(ranking, details, null);
    }

    /**
     * The details' queries for the rows of a ranked page (none for a plain list or an empty page):
     * one per run of keys whose literals fit {@value #MAX_KEYS_TEXT} bytes, so that a page of
     * long names never outgrows the largest query ClickHouse parses ({@code max_query_size}, 256 KiB).
     */
    public List<String> details(List<JsonNode> page) {
        if (details == null || page.isEmpty()) {
            return List.of();
        }
        List<String> literals = page.stream().map(ListQuery::key)
                .map(key -> key.isNumber() ? key.asText() : Sql.string(key.asText())).distinct().toList();
        List<String> queries = new ArrayList<>();
        StringBuilder keys = new StringBuilder();
        int keysBytes = 0;
        for (String literal : literals) {
            int bytes = literal.getBytes(StandardCharsets.UTF_8).length + 2;
            if (!keys.isEmpty() && keysBytes + bytes > MAX_KEYS_TEXT) {
                queries.add(details.apply(keys.toString()));
                keys.setLength(0);
                keysBytes = 0;
            }
            keys.append(keys.isEmpty() ? "" : ", ").append(literal);
            keysBytes += bytes;
        }
        queries.add(details.apply(keys.toString()));
        return queries;
    }

    /** The rows of a ranked page with the columns of their details after their key, in the page's order. */
    public static List<JsonNode> withDetails(List<JsonNode> page, List<JsonNode> details) {
        Map<String, JsonNode> byKey = new HashMap<>();
        details.forEach(row -> byKey.put(key(row).asText(), row));
        return page.stream().map(row -> {
            Iterator<Map.Entry<String, JsonNode>> fields = row.fields();
            Map.Entry<String, JsonNode> key = fields.next();
            ObjectNode detailed = ((ObjectNode) row).objectNode().set(key.getKey(), key.getValue());
            JsonNode rowDetails = byKey.get(key.getValue().asText());
            if (rowDetails != null) {
                rowDetails.fields().forEachRemaining(field -> detailed.putIfAbsent(field.getKey(), field.getValue()));
            }
            fields.forEachRemaining(field -> detailed.set(field.getKey(), field.getValue()));
            return (JsonNode) detailed;
        }).toList();
    }

    private static JsonNode key(JsonNode row) {
        return row.fields().next().getValue();
    }

    /** A long list whose pages are found from its keys' row counts ({@code sql} is the whole list, for a count or a check). */
    public static ListQuery keyed(KeyedList keyed) {
        return new ListQuery(keyed.ofKeys().apply("1"), null, keyed);
    }

    /** {@code LIMIT offset, count}: the form ClickHouse 18.16 and current releases both read. */
    public String page(Page page) {
        return sql + "\nLIMIT " + page.offset() + ", " + page.limit();
    }

    /** The number of rows, counted without the final ORDER BY: sorting every row would not change it. */
    public String count() {
        return "SELECT count() AS total FROM (" + sql.substring(0, sql.lastIndexOf(ORDER_BY)) + ") AS list";
    }
}
