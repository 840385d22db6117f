package dev.rollcall.server.console;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's Chromium, headless, driven by Debian's ChromeDriver over WebDriver (Selenium). Both are
 * installed by {@code .ci/run}; a test that finds them missing fails and says so, it is not
 * skipped.
 *
 * <p>The flags: {@code --no-sandbox} because tests run as root; {@code
 * --disable-background-networking}, {@code --disable-component-update}, {@code --disable-sync} and
 * {@code --no-first-run} so that Chromium makes no connection of its own (this machine's network is
 * closed, and a test must not depend on one); a fresh {@code --user-data-dir} so that no state
 * leaks between runs.
 */
final class Browser implements AutoCloseable {
  static final Path CHROMIUM =
      Path.of(System.getProperty("rollcall.chromium", "/usr/bin/chromium"));
  static final Path CHROMEDRIVER =
      Path.of(System.getProperty("rollcall.chromedriver", "/usr/bin/chromedriver"));

  /** Where screenshots go: the module's target directory. */
  static final Path SCREENSHOTS = Path.of("target", "screenshots");

  final ChromeDriver driver;
  private final Path profile;

  private Browser(ChromeDriver driver, Path profile) {
    this.driver = driver;
    this.profile = profile;
  }

  static Browser start() throws IOException {
    for (Path binary : new Path[] {CHROMIUM, CHROMEDRIVER}) {
      if (!Files.isExecutable(binary)) {
        throw new IllegalStateException(
            binary
                + " is missing: install Debian's chromium and chromium-driver"
                + " (apt-get install -y chromium chromium-driver; .ci/run does it)");
      }
    }
    Path profile = Files.createTempDirectory("rollcall-chromium-");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
        "--no-default-browser-check",
        "--user-data-dir=" + profile,
        "--window-size=1280,900");
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(new File(CHROMEDRIVER.toString()))
            .usingAnyFreePort()
            .build();
    return new Browser(new ChromeDriver(service, options), profile);
  }

  /** Waits up to 30 s for the condition (the deadline only stops a broken test from hanging). */
  <T> T await(Function<WebDriver, T> condition) {
    return new WebDriverWait(driver, Duration.ofSeconds(30), Duration.ofMillis(50))
        .until(condition);
  }

  Browser size(int width, int height) {
    driver.manage().window().setSize(new Dimension(width, height));
    return this;
  }

  /** Saves what the page shows now as {@code target/screenshots/NAME.png}. */
  Path screenshot(String name) throws IOException {
    Files.createDirectories(SCREENSHOTS);
    Path file = SCREENSHOTS.resolve(name + ".png");
    Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
    return file;
  }

  Object script(String javascript, Object... args) {
    return driver.executeScript(javascript, args);
  }

  @Override
  public void close() {
    try {
      driver.quit();
    } finally {
      try (var files = Files.walk(profile)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException ignored) {
        // a temporary directory: the system cleans it eventually
      }
    }
  }
}
