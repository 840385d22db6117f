package dev.rollcall.server.console;

import static dev.rollcall.server.console.ConsoleServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;

/**
 * The spec's browser call, made by Segment's own library in a real browser: {@code /demo} loads
 * {@code @segment/analytics-next} from this server, takes its settings and sends its calls here.
 */
class DemoBrowserTest {
  @TempDir Path dir;
  private ConsoleServer server;
  private Browser browser;

  @BeforeEach
  void start() throws Exception {
    server = ConsoleServer.start(dir, AnalyticsNextPackage.ensure());
    browser = Browser.start();
  }

  @AfterEach
  void stop() {
    if (browser != null) browser.close();
    if (server != null) server.close();
  }

  @Test
  void demo_pageThenIdentify_profileHasTheTraitsAndTheLibrarysAnonymousId() throws Exception {
    browser.driver.get(server.url("/demo?writeKey=" + ConsoleServer.WRITE_KEY));
    browser.await(d -> d.findElement(By.tagName("body")).getDomAttribute("data-done") != null);
    String anonymousId =
        (String) browser.script("return window.rollcallDemo.analytics.user().anonymousId()");
    String stored =
        (String) browser.script("return window.localStorage.getItem('ajs_anonymous_id')");
    browser.screenshot("demo");

    assertThat(browser.driver.findElement(By.tagName("body")).getDomAttribute("data-done"))
        .isEqualTo("sent");
    assertThat(anonymousId).isNotBlank();
    assertThat(stored)
        .as("the library keeps its anonymousId in localStorage")
        .contains(anonymousId);
    assertThat(browser.driver.findElement(By.id("anonymous-id")).getText()).isEqualTo(anonymousId);

    server.awaitProcessed();
    JsonNode traits =
        json(server.admin("/v1/profiles/user_id:97980cfea0067/traits").body()).get("traits");
    assertThat(traits.get("name").asText()).isEqualTo("Peter Gibbons");
    assertThat(traits.get("email").asText()).isEqualTo("peter@initech.com");
    assertThat(traits.get("plan").asText()).isEqualTo("premium");
    assertThat(traits.get("logins").asInt()).isEqualTo(5);

    List<String> ids = new ArrayList<>();
    for (JsonNode id :
        json(server.admin("/v1/profiles/user_id:97980cfea0067/external_ids").body()).get("data")) {
      ids.add(id.get("type").asText() + ":" + id.get("id").asText());
    }
    assertThat(ids)
        .contains(
            "anonymous_id:" + anonymousId, "user_id:97980cfea0067", "email:peter@initech.com");

    // the anonymous page view is the same person's, and came first
    JsonNode events =
        json(server.admin("/v1/profiles/anonymous_id:" + anonymousId + "/events").body())
            .get("data");
    List<String> types = new ArrayList<>();
    events.forEach(event -> types.add(event.get("type").asText()));
    assertThat(types).containsExactly("identify", "page");
    JsonNode page = events.get(1);
    assertThat(page.has("userId")).as("the page view was anonymous").isFalse();
    assertThat(page.get("anonymousId").asText()).isEqualTo(anonymousId);
    assertThat(page.get("context").get("library").get("name").asText()).isEqualTo("analytics.js");
  }

  @Test
  void demo_withoutWriteKey_asksForIt_andRunsFromTheForm() throws Exception {
    browser.driver.get(server.url("/demo"));
    browser.driver.findElement(By.id("write-key")).sendKeys(ConsoleServer.WRITE_KEY);
    browser.driver.findElement(By.cssSelector("#run button")).click();

    browser.await(d -> d.findElement(By.tagName("body")).getDomAttribute("data-done") != null);

    assertThat(browser.driver.findElement(By.id("identify-state")).getText()).isEqualTo("sent");
  }
}
