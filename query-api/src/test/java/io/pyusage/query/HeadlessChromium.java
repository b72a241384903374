package io.pyusage.query;

import io.pyusage.common.TestDirectories;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's Chromium, headless, through Debian's ChromeDriver ({@code ./pyusage test} installs both;
 * other paths by {@code -Dpyusage.chromium} and {@code -Dpyusage.chromedriver}). Nothing is
 * downloaded, and the browser's own background connections are off: this machine's network is closed.
 */
final class HeadlessChromium {

    private HeadlessChromium() {
    }

    static WebDriver start() throws IOException {
        File browser = new File(System.getProperty("pyusage.chromium", "/usr/bin/chromium"));
        File driver = new File(System.getProperty("pyusage.chromedriver", "/usr/bin/chromedriver"));
        if (!browser.canExecute() || !driver.canExecute()) {
            throw new IllegalStateException("the page tests need " + browser + " and " + driver
                    + ": run ./pyusage test, or apt-get install chromium chromium-driver");
        }
        Path profile = TestDirectories.underTarget("chromium-");
        ChromeOptions options = new ChromeOptions().setBinary(browser).addArguments("--headless=new", "--no-sandbox",
                "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1280,1024", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(driver).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }
}
