package io.pyusage.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import io.pyusage.common.record.StartupRecordCodec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ListQueryTest {

    private static final String LIST = """
            SELECT user, count() AS starts FROM (SELECT user FROM starts ORDER BY day) AS s
            GROUP BY user
            ORDER BY starts DESC, user""";

    @Test
    void aPageLimitsTheOrderedListAndTheCountLeavesTheOrderOut() {
        ListQuery list = new ListQuery(LIST);
        assertEquals(LIST + "\nLIMIT 20, 10", list.page(new Page(10, 20)));
        assertEquals("SELECT count() AS total FROM (SELECT user, count() AS starts FROM (SELECT user FROM starts ORDER BY day) AS s\n"
                + "GROUP BY user) AS list", list.count());
    }

    @Test
    void aRankedListAsksTheDetailsOfItsPageKeysAndPutsThemAfterEachKey() throws Exception {
        ListQuery list = ListQuery.ranked(LIST, users -> "SELECT user, hosts FROM details WHERE user IN (" + users + ")");
        assertEquals(LIST + "\nLIMIT 0, 5", list.page(new Page(5, 0)));
        List<JsonNode> page = List.of(json("{\"user\":\"o'neil\",\"starts\":9}"), json("{\"user\":\"ann\",\"starts\":4}"));
        assertEquals(List.of("SELECT user, hosts FROM details WHERE user IN ('o\\'neil', 'ann')"), list.details(page));
        assertEquals(List.of(), list.details(List.of()));
        assertEquals(List.of(), new ListQuery(LIST).details(page), "a plain list has no details");

        List<JsonNode> details = List.of(json("{\"user\":\"ann\",\"hosts\":[\"h1\"]}"), json("{\"user\":\"o'neil\",\"hosts\":[\"h2\",\"h3\"]}"));
        assertEquals("[{\"user\":\"o'neil\",\"hosts\":[\"h2\",\"h3\"],\"starts\":9}, {\"user\":\"ann\",\"hosts\":[\"h1\"],\"starts\":4}]",
                ListQuery.withDetails(page, details).toString(), "in the page's order, details after the key");
    }

    @Test
    void aPageOfLongKeysIsDetailedInQueriesThatEachFitTheParser() throws Exception {
        ListQuery list = ListQuery.ranked(LIST, users -> "SELECT user, hosts FROM details WHERE user IN (" + users + ")");
        List<JsonNode> page = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            page.add(StartupRecordCodec.mapper().createObjectNode().put("user", i + "-" + "\u00e9".repeat(250)).put("starts", 1));
        }
        List<String> queries = list.details(page);
        assertTrue(queries.size() > 1, "two thousand 252-character names do not fit one query");
        long keys = 0;
        for (String query : queries) {
            int bytes = query.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            assertTrue(bytes < ListQuery.MAX_KEYS_TEXT + 1_000, "each query fits max_query_size (256 KiB) with room: " + bytes);
            keys += query.chars().filter(c -> c == '\'').count() / 2;
        }
        assertEquals(2_000, keys, "every key is asked once");
    }

    private static JsonNode json(String text) throws Exception {
        return StartupRecordCodec.mapper().readTree(text);
    }

    @Test
    void aKeyedListFindsThePageFromItsKeysRowCounts() throws Exception {
        List<JsonNode> rowsPerKey = List.of(key("a", 3), key("b", 2), key("c", 4));
        assertEquals(new KeyedList.Located("a", "a", 0, 9), KeyedList.locate(rowsPerKey, new Page(2, 0)));
        assertEquals(new KeyedList.Located("a", "b", 2, 9), KeyedList.locate(rowsPerKey, new Page(3, 2)));
        assertEquals(new KeyedList.Located("b", "c", 1, 9), KeyedList.locate(rowsPerKey, new Page(5, 4)));
        assertEquals(new KeyedList.Located("c", "c", 3, 9), KeyedList.locate(rowsPerKey, new Page(100, 8)));
        assertEquals(new KeyedList.Located(null, null, 0, 9), KeyedList.locate(rowsPerKey, new Page(10, 9)));
        assertEquals(new KeyedList.Located(null, null, 0, 0), KeyedList.locate(List.of(), new Page(10, 0)));

        KeyedList keyed = new KeyedList("user", "SELECT ...", keys -> "SELECT user FROM starts WHERE " + keys + "\nORDER BY user");
        assertEquals("SELECT user FROM starts WHERE user >= 'b' AND user <= 'o\\'neil'\nORDER BY user\nLIMIT 1, 5",
                keyed.page(new KeyedList.Located("b", "o'neil", 1, 9), new Page(5, 4)));
        assertThrows(IllegalArgumentException.class, () -> keyed.page(new KeyedList.Located(null, null, 0, 9), new Page(5, 20)));
    }

    private static JsonNode key(String key, int rows) throws Exception {
        return json("{\"list_key\":\"" + key + "\",\"list_rows\":" + rows + "}");
    }

    @Test
    void aListWithoutItsOwnOrderIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ListQuery("SELECT user FROM starts"));
        assertThrows(IllegalArgumentException.class, () -> new ListQuery("SELECT * FROM (SELECT user FROM starts\nORDER BY user) AS s"));
    }
}
