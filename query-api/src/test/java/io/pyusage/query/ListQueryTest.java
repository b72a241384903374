package io.pyusage.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
    void aRankedListHandsThePageOfItsRankingToItsDetails() {
        ListQuery list = ListQuery.ranked(LIST, page -> "SELECT * FROM details WHERE user IN (SELECT user FROM (" + page + "))");
        assertEquals("SELECT * FROM details WHERE user IN (SELECT user FROM (" + LIST + "\nLIMIT 0, 5))", list.page(new Page(5, 0)));
    }

    @Test
    void aListWithoutItsOwnOrderIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ListQuery("SELECT user FROM starts"));
        assertThrows(IllegalArgumentException.class, () -> new ListQuery("SELECT * FROM (SELECT user FROM starts\nORDER BY user) AS s"));
    }
}
