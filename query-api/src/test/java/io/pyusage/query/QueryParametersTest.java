package io.pyusage.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.pyusage.common.record.StartupRecordCodec;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import io.pyusage.common.clickhouse.RowsPage;
import org.junit.jupiter.api.Test;

class QueryParametersTest {

    private static final LocalDate TODAY = LocalDate.of(2026, 11, 21);

    @Test
    void windowDefaultsToNinetyDaysAndReadsIsoAndRelativeDates() {
        assertEquals(new TimeWindow(TODAY.minusDays(90), TODAY, true), TimeWindow.parse(null, null, TODAY));
        assertEquals(new TimeWindow(TODAY.minusDays(30), TODAY, true), TimeWindow.parse("30d", "", TODAY));
        assertEquals(new TimeWindow(TODAY.minusWeeks(12), TODAY.minusDays(1), false), TimeWindow.parse("12w", "1d", TODAY));
        assertEquals(new TimeWindow(LocalDate.of(2026, 1, 1), LocalDate.of(2026, 2, 1), false),
                TimeWindow.parse("2026-01-01", "2026-02-01", TODAY));
    }

    @Test
    void onlyMonthsWhollyInTheWindowAreReadFromTheMonthlyRollupAndTheDaysAroundThemFromTheStarts() {
        String whole = EnvironmentStarts.rows(window("2026-01-01", "2026-03-31"), "1");
        assertTrue(whole.contains("month >= toDate('2026-01-01') AND month < toDate('2026-04-01')"), whole);
        assertTrue(whole.contains("(day < toDate('2026-01-01') OR day >= toDate('2026-04-01'))"), whole);
        String lateStart = EnvironmentStarts.rows(window("2026-01-20", "2026-03-30"), "1");
        assertTrue(lateStart.contains("month >= toDate('2026-02-01') AND month < toDate('2026-03-01')"), lateStart);
        assertFalse(lateStart.contains("-toInt64(count())"), "January's 12 days from the starts: " + lateStart);
        String earlyStart = EnvironmentStarts.rows(window("2026-01-02", "2026-03-30"), "1");
        assertTrue(earlyStart.contains("month >= toDate('2026-01-01') AND month < toDate('2026-03-01')"), earlyStart);
        assertTrue(earlyStart.contains("-toInt64(count())") && earlyStart.contains("day >= toDate('2026-01-01') AND day <= toDate('2026-01-01')"),
                "January from the rollup less its first day: " + earlyStart);
        String lessThanAMonth = EnvironmentStarts.rows(window("2026-01-02", "2026-02-27"), "1");
        assertFalse(lessThanAMonth.contains("monthly_environments"), lessThanAMonth);
    }

    private static Filters window(String since, String until) {
        return Filters.window(TimeWindow.parse(since, until, TODAY));
    }

    @Test
    void aWindowThatReachesTodayTakesItsLastMonthWhole() {
        WholeMonths year = WholeMonths.of(TimeWindow.parse("365d", null, TODAY));
        assertEquals(new WholeMonths(LocalDate.of(2025, 12, 1), LocalDate.of(2026, 12, 1)), year, "Nov 2025's last 9 days, then 12 months");
        assertEquals("(day < toDate('2025-12-01') OR day >= toDate('2026-12-01'))", year.daysAround());
        assertEquals(new WholeMonths(LocalDate.of(2025, 12, 1), LocalDate.of(2026, 11, 1)), WholeMonths.of(TimeWindow.parse("365d", "1d", TODAY)),
                "a window that ends yesterday reads November by the day");
        assertTrue(WholeMonths.of(TimeWindow.parse("2026-11-01", null, TODAY)).any(), "this month so far");
        assertFalse(WholeMonths.of(TimeWindow.parse("2026-11-02", null, TODAY)).any(), "part of a month only");
    }

    @Test
    void badWindowsNameTheParameter() {
        assertEquals("since", assertThrows(BadRequestException.class, () -> TimeWindow.parse("yesterday", null, TODAY)).parameter());
        assertEquals("until", assertThrows(BadRequestException.class, () -> TimeWindow.parse(null, "2026-13-01", TODAY)).parameter());
        assertEquals("since", assertThrows(BadRequestException.class, () -> TimeWindow.parse("2026-11-20", "2026-11-01", TODAY)).parameter());
    }

    @Test
    void packageNameIsNormalisedAndVersionIsEscaped() {
        ListQuery users = PackageQueries.users("Scikit_Learn", "1.0' OR '1'='1", Filters.window(TimeWindow.parse(null, null, TODAY)));
        String sql = users.page(new Page(10, 20));
        assertTrue(sql.contains("name = 'scikit-learn'"), sql);
        assertTrue(sql.contains("version = '1.0\\' OR \\'1\\'=\\'1'"), sql);
        assertTrue(sql.endsWith("LIMIT 20, 10"), sql);
        String hosts = users.details(List.of(StartupRecordCodec.mapper().createObjectNode().put("user", "x') OR 1 --"))).get(0);
        assertTrue(hosts.contains("user IN ('x\\') OR 1 --')"), "the page's users bound as literals: " + hosts);
        assertTrue(hosts.contains("version = '1.0\\' OR \\'1\\'=\\'1'"), hosts);
    }

    @Test
    void anythingThatIsNotAPackageNameIsRefused() {
        for (String name : new String[] {"numpy' --", "a b", "", "x".repeat(300), "ünïcode"}) {
            assertEquals("name", assertThrows(BadRequestException.class,
                    () -> PackageQueries.users(name, null, Filters.window(TimeWindow.parse(null, null, TODAY)))).parameter(), name);
        }
    }

    @Test
    void filtersAndPagesAreCheckedAndNameTheirParameter() {
        Map<String, String> parameters = new HashMap<>(Map.of("ci", "sometimes"));
        assertEquals("ci", assertThrows(BadRequestException.class, () -> Filters.from(parameters::get, TODAY)).parameter());
        parameters.put("ci", "only");
        parameters.put("user", "x".repeat(257));
        assertEquals("user", assertThrows(BadRequestException.class, () -> Filters.from(parameters::get, TODAY)).parameter());
        parameters.put("user", "ann");
        String condition = Filters.from(parameters::get, TODAY).startsCondition();
        assertTrue(condition.contains("user = 'ann'") && condition.contains("ci = 1"), condition);
        assertThrows(IllegalStateException.class, () -> Filters.from(parameters::get, TODAY).condition(Filters.Table.DAILY_STARTS));

        assertEquals(new Page(100, 0), Page.from(name -> null));
        assertEquals(new Page(5, 10), Page.from(Map.of("limit", "5", "offset", "10")::get));
        for (String bad : new String[] {"0", "10001", "-1", "ten", "1e3"}) {
            assertEquals("limit", assertThrows(BadRequestException.class, () -> Page.from(Map.of("limit", bad)::get)).parameter(), bad);
        }
        assertEquals("offset", assertThrows(BadRequestException.class, () -> Page.from(Map.of("offset", "-5")::get)).parameter());
        Filters window = Filters.window(TimeWindow.parse(null, null, TODAY));
        assertEquals("by", assertThrows(BadRequestException.class, () -> TrendQueries.starts("day", "user; DROP", window)).parameter());
        assertEquals("interval", assertThrows(BadRequestException.class, () -> TrendQueries.starts("month", "base", window)).parameter());
        assertEquals("user", assertThrows(BadRequestException.class, () -> window.forUser(" ")).parameter());
        assertEquals("prefix", assertThrows(BadRequestException.class,
                () -> PackageQueries.search("num' --", Filters.window(TimeWindow.parse(null, null, TODAY)))).parameter());
    }

    @Test
    void csvQuotesWhatNeedsQuotingJoinsListsAndDefusesFormulas() throws Exception {
        List<JsonNode> rows = List.of(StartupRecordCodec.mapper().readTree(
                "{\"user\":\"ann, the \\\"first\\\"\",\"hosts\":[\"h1\",\"h2\"],\"starts\":3,\"note\":\"=HYPERLINK()\",\"delta\":-2}"));
        assertEquals("user,hosts,starts,note,delta\r\n\"ann, the \"\"first\"\"\",h1; h2,3,'=HYPERLINK(),-2\r\n", Csv.of(rows));
        assertEquals("", Csv.of(List.of()));
    }

    @Test
    void theDeprecationReportNeedsBothBasesAndItsPageEscapesEveryValue() throws Exception {
        Filters window = Filters.window(TimeWindow.parse(null, null, TODAY));
        assertEquals("base", assertThrows(BadRequestException.class, () -> DeprecationQueries.remaining(window)).parameter());
        Filters onBase = Filters.from(Map.of("base", "2020.11")::get, TODAY);
        assertEquals("target", assertThrows(BadRequestException.class, () -> DeprecationQueries.packages(onBase, null)).parameter());

        List<JsonNode> remaining = List.of(StartupRecordCodec.mapper().readTree(
                "{\"user\":\"<script>alert(1)</script>\",\"host\":\"h&1\",\"prefix\":\"/p\",\"entry\":\"-c\",\"starts\":2,\"last_seen\":\"x\"}"));
        List<JsonNode> packages = List.of(StartupRecordCodec.mapper().readTree(
                "{\"name\":\"numpy\",\"version\":\"1.24.0\",\"environments\":1,\"starts\":2,\"ready\":0,\"imported\":1}"));
        String html = DeprecationPage.render(onBase, "2023\"><b>", "base=2020.11&target=x", new RowsPage(remaining, OptionalLong.of(1)),
                new ReportPackages(packages, 3, 1, 1));
        assertTrue(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !html.contains("<script>"), html);
        assertTrue(html.contains("h&amp;1") && html.contains("2023&quot;&gt;&lt;b&gt;"), html);
        assertTrue(html.contains("<tr class=\"notready\"><td>numpy</td><td>1.24.0</td>"), html);
        assertTrue(html.contains("1 of 3 package versions have not been seen on the target, 1 of those imported on the base"), html);
        assertTrue(html.contains("<td>2</td><td>yes</td><td>no</td>"), "starts, imported, ready: " + html);
        assertTrue(html.contains("The first 1 of 3 rows"), "a bounded table says what it leaves out: " + html);
    }
}
