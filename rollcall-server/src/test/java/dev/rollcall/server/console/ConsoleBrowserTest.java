package dev.rollcall.server.console;

import static dev.rollcall.server.console.ConsoleServer.json;
import static dev.rollcall.server.console.ConsoleServer.unique;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rollcall.server.config.DestinationSetup;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

/**
 * The console in a real browser (Debian's Chromium, headless), against a real server whose one
 * destination is a webhook on a local stub. Each test saves a screenshot under {@code
 * target/screenshots}.
 */
class ConsoleBrowserTest {
  @TempDir static Path dir;
  static MockWebServer hook;

  /** The status the webhook stub answers: 200, or 400 to make dead letters. */
  static final AtomicInteger hookStatus = new AtomicInteger(200);

  static ConsoleServer server;
  private Browser browser;

  @BeforeAll
  static void startServer() throws Exception {
    hook = new MockWebServer();
    hook.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            return new MockResponse.Builder().code(hookStatus.get()).body("{}").build();
          }
        });
    hook.start();
    String url = hook.url("/hook").toString();
    server =
        ConsoleServer.start(
            dir,
            null,
            List.of(
                new DestinationSetup(
                    "webhook", "webhook", Map.of("url", url), Duration.ofSeconds(5), 3)));
  }

  @AfterAll
  static void stopServer() {
    if (server != null) server.close();
    if (hook != null) hook.close();
  }

  @BeforeEach
  void startBrowser() throws Exception {
    browser = Browser.start();
  }

  @AfterEach
  void stopBrowser() {
    if (browser != null) browser.close();
  }

  private void signIn() {
    browser.driver.get(server.url("/console/"));
    browser.await(ExpectedConditions.urlContains("/console/sign-in"));
    browser.driver.findElement(By.id("token")).sendKeys(ConsoleServer.ADMIN_TOKEN, Keys.ENTER);
    browser.await(ExpectedConditions.urlToBe(server.url("/console/")));
  }

  /** Sends an identify with curl, as a person at a terminal would. */
  private static void curlIdentify(String body) throws Exception {
    Process curl =
        new ProcessBuilder(
                "curl",
                "-sS",
                "-u",
                ConsoleServer.WRITE_KEY + ":",
                "-H",
                "Content-Type: application/json",
                "-d",
                body,
                server.url("/v1/identify"))
            .redirectErrorStream(true)
            .start();
    assertThat(curl.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(curl.exitValue()).as(out).isZero();
    assertThat(out).isEqualTo("{\"success\":true}");
  }

  private static String identify(String userId, String email) {
    return "{\"userId\":\""
        + userId
        + "\",\"anonymousId\":\"anon-"
        + userId
        + "\",\"traits\":{\"first_name\":\"Milton\",\"last_name\":\"Waddams\",\"email\":\""
        + email
        + "\",\"plan\":\"stapler\",\"logins\":7}}";
  }

  /* ---- sign-in and overview ---- */

  @Test
  void signIn_wrongTokenIsRefused_rightTokenOpensTheOverview() throws Exception {
    browser.driver.get(server.url("/console/debugger"));
    browser.await(ExpectedConditions.urlContains("/console/sign-in"));
    browser.driver.findElement(By.id("token")).sendKeys("wrong", Keys.ENTER);
    browser.await(
        ExpectedConditions.textToBePresentInElementLocated(
            By.id("message"), "not the admin token"));
    browser.screenshot("console-sign-in-refused");

    browser.driver.findElement(By.id("token")).sendKeys(ConsoleServer.ADMIN_TOKEN, Keys.ENTER);
    browser.await(ExpectedConditions.urlToBe(server.url("/console/")));
    browser.await(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#chart svg.chart")));
    browser.await(
        ExpectedConditions.textToBePresentInElementLocated(By.id("health-table"), "takes writes"));

    assertThat(browser.driver.findElements(By.cssSelector("#chart rect")).size())
        .isEqualTo(2 * CallRates.MINUTES);
    assertThat(browser.driver.manage().getCookieNamed(ConsoleSessions.COOKIE).isHttpOnly())
        .isTrue();
    assertThat(browser.script("return document.cookie"))
        .as("no script can read the session")
        .isEqualTo("");
    browser.screenshot("console-overview");
  }

  /* ---- live debugger ---- */

  @Test
  void debugger_callSentWithCurl_appearsLive_andOpensToRawAndNormalized() throws Exception {
    signIn();
    browser.driver.get(server.url("/console/debugger"));
    browser.await(ExpectedConditions.textToBePresentInElementLocated(By.id("status"), "Live"));
    String userId = unique("milton");

    curlIdentify(identify(userId, "milton@initech.com"));

    WebElement call =
        browser.await(
            ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("li[data-user-id='" + userId + "']")));
    assertThat(browser.driver.findElements(By.cssSelector("#calls > li")).get(0))
        .as("newest first")
        .isEqualTo(call);
    // open it with the keyboard
    WebElement summary = call.findElement(By.tagName("summary"));
    browser.script("arguments[0].focus()", summary);
    summary.sendKeys(Keys.ENTER);
    browser.await(
        d -> call.findElement(By.tagName("details")).getDomProperty("open").equals("true"));
    String detail = call.findElement(By.className("detail")).getText();
    assertThat(detail).contains("Raw, as sent").contains("\"first_name\": \"Milton\"");
    assertThat(detail)
        .contains("Normalized, as stored")
        .contains("\"firstName\": \"Milton\"")
        .contains("\"name\": \"Milton Waddams\"");
    assertThat(detail).contains("Routed to").contains("webhook"); // the configured destination
    browser.screenshot("console-debugger");

    // the filters: another id hides it, its own id shows it
    WebElement idFilter = browser.driver.findElement(By.id("f-id"));
    idFilter.sendKeys("someone-else");
    assertThat(browser.driver.findElements(By.cssSelector("li[data-user-id='" + userId + "']")))
        .isEmpty();
    idFilter.clear();
    idFilter.sendKeys(userId);
    assertThat(browser.driver.findElements(By.cssSelector("#calls > li"))).hasSize(1);
  }

  @Test
  void debugger_rejectedCall_showsItsError() throws Exception {
    signIn();
    browser.driver.get(server.url("/console/debugger?status=rejected"));
    browser.await(ExpectedConditions.textToBePresentInElementLocated(By.id("status"), "Live"));
    String marker = unique("nobody");

    curlIdentifyRejected("{\"traits\":{\"name\":\"" + marker + "\"}}");

    WebElement call =
        browser.await(
            ExpectedConditions.presenceOfElementLocated(By.cssSelector("#calls > li.rejected")));
    call.findElement(By.tagName("summary")).click();
    assertThat(call.findElement(By.className("error")).getText())
        .contains("userId or anonymousId is required");
    browser.screenshot("console-debugger-rejected");
  }

  private static void curlIdentifyRejected(String body) throws Exception {
    Process curl =
        new ProcessBuilder(
                "curl",
                "-sS",
                "-u",
                ConsoleServer.WRITE_KEY + ":",
                "-H",
                "Content-Type: application/json",
                "-d",
                body,
                server.url("/v1/identify"))
            .redirectErrorStream(true)
            .start();
    assertThat(curl.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
        .contains("\"success\":false");
  }

  /* ---- profile explorer ---- */

  @Test
  void profileExplorer_findsThePersonByEmail_withTraitsIdsTimelineAndDeliveries() throws Exception {
    String userId = unique("peter");
    String email = userId + "@initech.com";
    curlIdentify(identify(userId, email));
    server.awaitProcessed();
    awaitDelivered(userId);
    signIn();

    browser.driver.get(server.url("/console/profiles"));
    new Select(browser.driver.findElement(By.id("kind"))).selectByValue("email");
    browser.driver.findElement(By.id("value")).sendKeys(email, Keys.ENTER);

    browser.await(ExpectedConditions.presenceOfElementLocated(By.id("traits-table")));
    assertThat(traitValue("firstName")).isEqualTo("Milton");
    assertThat(traitValue("name")).isEqualTo("Milton Waddams");
    assertThat(traitValue("plan")).isEqualTo("stapler");
    assertThat(browser.driver.findElement(By.id("ids-table")).getText())
        .contains(userId)
        .contains("anon-" + userId)
        .contains(email);
    assertThat(browser.driver.findElements(By.cssSelector("#timeline > li"))).hasSize(1);
    WebElement delivery =
        browser.await(
            ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("#deliveries-table tr[data-destination='webhook']")));
    assertThat(delivery.getDomAttribute("data-status")).isEqualTo("DELIVERED");

    // on demand: which call set each trait, and when
    browser.driver.findElement(By.id("verbose")).click();
    browser.await(
        ExpectedConditions.textToBePresentInElementLocated(By.id("traits"), "By the call"));
    String messageId =
        browser
            .driver
            .findElement(By.cssSelector("#timeline > li"))
            .getDomAttribute("data-message-id");
    assertThat(browser.driver.findElement(By.cssSelector("tr[data-trait='plan']")).getText())
        .contains(messageId);
    browser.screenshot("console-profile");
  }

  private String traitValue(String name) {
    return browser.driver.findElement(By.cssSelector("tr[data-trait='" + name + "'] td")).getText();
  }

  /* ---- destinations ---- */

  @Test
  void destinations_deadLetterIsReplayedWithTheButton() throws Exception {
    hookStatus.set(400);
    String userId = unique("bill");
    curlIdentify(identify(userId, userId + "@initech.com"));
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (deadCount() == 0) {
      assertThat(System.nanoTime()).as("a dead letter within 30 s").isLessThan(deadline);
      Thread.sleep(50);
    }
    hookStatus.set(200);
    signIn();

    browser.driver.get(server.url("/console/destinations"));
    WebElement row =
        browser.await(
            ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("#destinations-table tr[data-destination='webhook']")));
    assertThat(row.findElement(By.cssSelector("[data-count='dead']")).getText()).startsWith("1");
    assertThat(row.getText()).contains("HTTP 400");
    row.findElement(By.cssSelector("button[data-dead='webhook']")).click();
    WebElement replay =
        browser.await(
            ExpectedConditions.elementToBeClickable(
                By.cssSelector("#dead-table button[data-replay]")));
    browser.screenshot("console-destinations-dead");
    replay.click();

    browser.await(
        ExpectedConditions.textToBePresentInElementLocated(By.id("dead-status"), "Replayed 1"));
    awaitDelivered(userId);
    assertThat(deadCount()).isZero();
    browser.await(
        d ->
            d.findElement(By.cssSelector("tr[data-destination='webhook'] [data-count='dead']"))
                .getText()
                .equals("0"));
    browser.screenshot("console-destinations");
  }

  @Test
  void destinations_previewShowsTheRequestADestinationWouldGet() throws Exception {
    signIn();
    browser.driver.get(server.url("/console/destinations"));
    browser.await(
        ExpectedConditions.presenceOfElementLocated(
            By.cssSelector("#preview-destination option[value='Mixpanel']")));
    new Select(browser.driver.findElement(By.id("preview-destination"))).selectByValue("Mixpanel");
    browser.driver.findElement(By.cssSelector("#preview-form button[type='submit']")).click();

    browser.await(
        ExpectedConditions.textToBePresentInElementLocated(By.id("preview-result"), "$email"));
    assertThat(browser.driver.findElement(By.id("preview-result")).getText())
        .contains("/engage")
        .contains("peter@initech.com");
    browser.screenshot("console-preview");
  }

  /* ---- phone width ---- */

  @Test
  void everyPage_fitsAPhonesWidth() throws Exception {
    signIn();
    browser.size(390, 844);
    for (String page : List.of("", "debugger", "profiles", "destinations")) {
      browser.driver.get(server.url("/console/" + page));
      browser.await(ExpectedConditions.presenceOfElementLocated(By.tagName("main")));
      Number overflow =
          (Number)
              browser.script(
                  "return document.documentElement.scrollWidth - document.documentElement.clientWidth");
      assertThat(overflow.intValue())
          .as("horizontal overflow of /console/" + page)
          .isLessThanOrEqualTo(0);
    }
    browser.driver.get(server.url("/console/debugger"));
    browser.await(ExpectedConditions.textToBePresentInElementLocated(By.id("status"), "Live"));
    browser.screenshot("console-debugger-phone");
  }

  /* ---- helpers ---- */

  private static long deadCount() throws Exception {
    for (JsonNode destination : json(server.admin("/v1/destinations").body()).get("destinations")) {
      if (destination.get("name").asText().equals("webhook"))
        return destination.get("dead").asLong();
    }
    throw new AssertionError("no webhook destination");
  }

  private static void awaitDelivered(String userId) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      JsonNode deliveries =
          json(
              server
                  .admin("/v1/deliveries?destination=webhook&status=delivered&limit=1000")
                  .body());
      for (JsonNode delivery : deliveries.get("deliveries")) {
        if (delivery.get("personKey").asText().equals(userId)) return;
      }
      assertThat(System.nanoTime()).as("delivered to the webhook within 30 s").isLessThan(deadline);
      Thread.sleep(50);
    }
  }
}
