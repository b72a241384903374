package io.pyusage.common.clickhouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.LocalDate;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SqlTest {

    @Test
    void quotesAndEscapesEveryCharacterThatCouldEndALiteral() {
        assertEquals("'plain'", Sql.string("plain"));
        assertEquals("'it\\'s'", Sql.string("it's"));
        assertEquals("'a\\\\b'", Sql.string("a\\b"));
        assertEquals("'\\\\\\''", Sql.string("\\'"));
        assertEquals("'x\\ny\\tz\\0'", Sql.string("x\ny\tz\0"));
        assertEquals("'\\x07'", Sql.string("\u0007"));
    }

    @Test
    void identifiersOnlyFromTheWhitelist() {
        assertEquals("base", Sql.identifier("base", Set.of("base", "python")));
        assertThrows(IllegalArgumentException.class, () -> Sql.identifier("user; DROP", Set.of("base")));
        assertThrows(IllegalArgumentException.class, () -> Sql.identifier("bad name", Set.of("bad name")));
    }

    @Test
    void datesBecomeToDate() {
        assertEquals("toDate('2026-01-31')", Sql.date(LocalDate.of(2026, 1, 31)));
    }
}
