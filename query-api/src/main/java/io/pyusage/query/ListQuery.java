package io.pyusage.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pyusage.common.clickhouse.Sql;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

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

    /** The details' query for the rows of a ranked page; empty for a plain list or an empty page. */
    public Optional<String> details(List<JsonNode> page) {
        if (details == null || page.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(details.apply(page.stream().map(ListQuery::key)
                .map(key -> key.isNumber() ? key.asText() : Sql.string(key.asText())).distinct().collect(Collectors.joining(", "))));
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
