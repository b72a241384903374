package io.pyusage.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.LocalDate;
import org.junit.jupiter.api.Test;

class QueryParametersTest {

    private static final LocalDate TODAY = LocalDate.of(2026, 11, 21);

    @Test
    void windowDefaultsToNinetyDaysAndReadsIsoAndRelativeDates() {
        assertEquals(new TimeWindow(TODAY.minusDays(90), TODAY), TimeWindow.parse(null, null, TODAY));
        assertEquals(new TimeWindow(TODAY.minusDays(30), TODAY), TimeWindow.parse("30d", "", TODAY));
        assertEquals(new TimeWindow(TODAY.minusWeeks(12), TODAY.minusDays(1)), TimeWindow.parse("12w", "1d", TODAY));
        assertEquals(new TimeWindow(LocalDate.of(2026, 1, 1), LocalDate.of(2026, 2, 1)),
                TimeWindow.parse("2026-01-01", "2026-02-01", TODAY));
    }

    @Test
    void badWindowsNameTheParameter() {
        assertEquals("since", assertThrows(BadRequestException.class, () -> TimeWindow.parse("yesterday", null, TODAY)).parameter());
        assertEquals("until", assertThrows(BadRequestException.class, () -> TimeWindow.parse(null, "2026-13-01", TODAY)).parameter());
        assertEquals("since", assertThrows(BadRequestException.class, () -> TimeWindow.parse("2026-11-20", "2026-11-01", TODAY)).parameter());
    }

    @Test
    void packageNameIsNormalisedAndVersionIsEscaped() {
        String sql = PackageUsersQuery.sql("Scikit_Learn", "1.0' OR '1'='1", TimeWindow.parse(null, null, TODAY), 10);
        assertTrue(sql.contains("name = 'scikit-learn'"), sql);
        assertTrue(sql.contains("version = '1.0\\' OR \\'1\\'=\\'1'"), sql);
        assertTrue(sql.contains("LIMIT 10"), sql);
    }

    @Test
    void anythingThatIsNotAPackageNameIsRefused() {
        for (String name : new String[] {"numpy' --", "a b", "", "x".repeat(300), "ünïcode"}) {
            assertEquals("name", assertThrows(BadRequestException.class,
                    () -> PackageUsersQuery.sql(name, null, TimeWindow.parse(null, null, TODAY), 10)).parameter(), name);
        }
    }
}
