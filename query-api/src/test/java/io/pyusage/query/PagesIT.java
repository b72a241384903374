package io.pyusage.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pyusage.common.TestClickHouse;
import io.pyusage.common.clickhouse.ClickHouseConfig;
import io.pyusage.common.clickhouse.ClickHouseStore;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The built-in pages in real headless Chromium, over the API and the known starts: a support
 * engineer gives the token, searches a package, opens its page (versions, chart, users), follows a
 * user, and reads the base versions and the deprecation report.
 */
class PagesIT {

    private static final String READER_TOKEN = "reader-token-for-the-pages-test";
    private static RunningQueryApi api;
    private static WebDriver browser;
    private static WebDriverWait wait;

    @BeforeAll
    static void startApiAndBrowser() throws Exception {
        ClickHouseConfig clickHouse = TestClickHouse.freshDatabase("pages");
        api = RunningQueryApi.start(clickHouse, Map.of("PYUSAGE_QUERY_TOKENS", READER_TOKEN + "=reader"));
        try (ClickHouseStore store = new ClickHouseStore(clickHouse)) {
            KnownStarts.loadInto(store);
            // ann imported numpy 1.26.4 once; bo and ci-runner have it installed only.
            store.insertJsonEachRow("import_set_packages", """
                    {"imports_id":101,"name":"numpy","version":"1.26.4","first_seen":"2026-01-01"}
                    """.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            store.insertJsonEachRow("start_imports", """
                    {"day":"%s","user":"ann","host":"h1","base":"2020.11","prefix":"/home/ann/venv","python":"3.11.7","imports_id":101,"import_count":1}
                    """.formatted(KnownStarts.RECENT).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        browser = HeadlessChromium.start();
        wait = new WebDriverWait(browser, Duration.ofSeconds(20));
        // A view that does not come shows what the page says instead.
        wait.withMessage(() -> "the page at " + browser.getCurrentUrl() + " shows: " + browser.getPageSource());
        browser.get(api.url() + "/");
        type(By.id("token"), READER_TOKEN);
        browser.findElement(By.id("token-form")).submit();
        awaitView("/");
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (api != null) {
            api.close();
        }
    }

    @Test
    void searchLeadsToThePackagePageWithItsVersionsChartAndUsers() {
        show("/");
        type(By.id("search-prefix"), "num");
        browser.findElement(By.id("search-form")).submit();
        awaitView("/?prefix=num");
        assertEquals(List.of("numpy"), column("search-results", 0));

        browser.findElement(By.linkText("numpy")).click();
        awaitView("/package/numpy");
        assertEquals(List.of("1.26.4", "1.24.0"), column("versions", 0), "by users");
        assertEquals(List.of("ann", "bo", "ci-runner"), column("users", 0), "by starts");
        assertEquals("1–3 of 3", browser.findElement(By.id("users-count")).getText());
        assertEquals(List.of("ann", "bo", "ci-runner"), browser.findElements(By.cssSelector("#users a")).stream().map(WebElement::getText).toList(),
                "user names are links, their numbers of hosts are not");

        assertEquals("Installed by 3 users, imported by 1.", browser.findElement(By.id("usage-summary")).getText());
        assertEquals(List.of("ann"), column("importers", 0), "who imported it");
        assertEquals(List.of("1.26.4"), browser.findElement(By.id("imported-trend-chart")).findElements(By.tagName("polyline")).stream()
                .map(line -> line.getAttribute("data-series")).toList());

        WebElement chart = browser.findElement(By.id("trend-chart"));
        assertTrue(chart.getRect().getWidth() > 100 && chart.getRect().getHeight() > 100, "the chart is laid out: " + chart.getRect());
        List<WebElement> lines = chart.findElements(By.tagName("polyline"));
        assertEquals(List.of("1.24.0", "1.26.4"), lines.stream().map(line -> line.getAttribute("data-series")).toList());
        for (WebElement line : lines) {
            assertTrue(line.getAttribute("points").matches("[0-9.]+,[0-9.]+( [0-9.]+,[0-9.]+)*"), line.getAttribute("points"));
        }
        assertEquals(2, chart.findElements(By.tagName("circle")).size(), "one period (day), a dot per version");
        assertTrue(browser.findElements(By.cssSelector("#versions a")).isEmpty(), "counts of users and hosts are no links");

        browser.findElement(By.id("users")).findElement(By.linkText("ann")).click();
        awaitView("/user/ann");
        assertEquals(List.of("/home/ann/venv"), column("environments", 0));
        assertEquals(List.of("numpy", "pandas"), column("packages", 0));
    }

    @Test
    void basesAndTheDeprecationReportShowWhoRemainsAndWhatIsNotReady() {
        show("/bases");
        assertEquals(List.of("2020.11", "2023.06"), column("bases", 0));
        assertEquals(2, browser.findElement(By.id("bases-chart")).findElements(By.tagName("polyline")).size());

        show("/deprecation?base=2020.11&target=2023.06");
        assertEquals(List.of("ann", "ann", "ci-runner"), column("remaining", 0));
        List<WebElement> packages = browser.findElements(By.cssSelector("#report-packages tbody tr"));
        assertEquals("numpy 1.24.0", packages.get(0).findElements(By.tagName("td")).subList(0, 2).stream()
                .map(WebElement::getText).reduce((a, b) -> a + " " + b).orElseThrow());
        assertEquals("notready", packages.get(0).getAttribute("class"), "not seen on the target");
        assertEquals(3, packages.size());
        assertTrue(browser.findElement(By.linkText("Printable page")).getAttribute("href").contains("/reports/deprecation?"));
    }

    @Test
    void namesAreShownAsTextNeverAsMarkup() {
        String hostile = "<img src=x onerror=\"document.title='pwned'\">";
        show("/user/" + URLEncoder.encode(hostile, StandardCharsets.UTF_8).replace("+", "%20"));
        assertEquals("User " + hostile, browser.findElement(By.tagName("h1")).getText());
        assertTrue(browser.findElements(By.cssSelector("main img")).isEmpty(), "no element made of the name");
        assertEquals("pyusage", browser.getTitle());
    }

    @Test
    void aRefusedParameterIsReportedOnThePage() {
        open("/?prefix=" + URLEncoder.encode("no spaces!", StandardCharsets.UTF_8));
        assertTrue(wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("error"))).getText().contains("prefix"));
    }

    /** Opens a view by its address and waits for all of its answers. */
    private static void show(String view) {
        open(view);
        awaitView(view);
    }

    private static void open(String view) {
        browser.get(api.url() + "/ui/#" + view);
    }

    private static void awaitView(String view) {
        wait.until(ExpectedConditions.attributeToBe(By.id("main"), "data-loaded", view));
    }

    private static void type(By field, String text) {
        WebElement input = wait.until(ExpectedConditions.visibilityOfElementLocated(field));
        input.clear();
        input.sendKeys(text);
    }

    /** The text of one column of a table on the page, row by row. */
    private static List<String> column(String table, int index) {
        return browser.findElements(By.cssSelector("#" + table + " tbody tr")).stream()
                .map(row -> row.findElements(By.tagName("td")).get(index).getText()).toList();
    }
}
