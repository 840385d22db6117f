package dev.rollcall.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rollcall.server.config.ConfigLoader.CommandLineValues;
import dev.rollcall.server.config.ConfigLoader.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class ConfigLoaderTest {
  @TempDir Path dir;

  @Test
  void destinations_settingsWithEnvironmentSecrets_andDefaults() throws Exception {
    ServerConfig config =
        load(
            Map.of("MIXPANEL_TOKEN", "secret-token"),
            "destinations:",
            "  Mixpanel:",
            "    token: ${MIXPANEL_TOKEN}",
            "  mixpanel-eu:",
            "    type: mixpanel",
            "    token: eu-${MIXPANEL_TOKEN}-x",
            "    baseUrl: https://api-eu.mixpanel.com",
            "    timeoutSeconds: 3",
            "    maxAttempts: 4");

    assertThat(config.destinations()).hasSize(2);
    DestinationSetup mixpanel = config.destinations().get(0);
    assertThat(mixpanel.name()).isEqualTo("mixpanel");
    assertThat(mixpanel.settings()).isEqualTo(Map.of("token", "secret-token"));
    assertThat(mixpanel.timeout()).isEqualTo(DestinationSetup.DEFAULT_TIMEOUT);
    assertThat(mixpanel.maxAttempts()).isEqualTo(DestinationSetup.DEFAULT_MAX_ATTEMPTS);
    DestinationSetup eu = config.destinations().get(1);
    assertThat(eu.name()).isEqualTo("mixpaneleu");
    assertThat(eu.type()).isEqualTo("mixpanel");
    assertThat(eu.settings())
        .isEqualTo(Map.of("token", "eu-secret-token-x", "baseUrl", "https://api-eu.mixpanel.com"));
    assertThat(eu.timeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(eu.maxAttempts()).isEqualTo(4);
    assertThat(eu.toString()).doesNotContain("secret");
  }

  @Test
  void sources_ownWriteKeysAndDestinations_namesMatchedAsSegmentDoes() throws Exception {
    ServerConfig config =
        load(
            Map.of("APP_KEY", "app-key"),
            "writeKeys: [web-key]",
            "sources:",
            "  app:",
            "    writeKey: ${APP_KEY}",
            "    destinations: [Customer.io]",
            "  backend:",
            "    writeKey: backend-key",
            "destinations:",
            "  customerio: {siteId: s, apiKey: k}",
            "  webhook: {url: 'https://example.com/hook'}");

    assertThat(config.writeKeys()).containsExactly("web-key");
    assertThat(config.sources())
        .containsExactly(
            new SourceSetup("app", "app-key", List.of("customerio")),
            new SourceSetup("backend", "backend-key", null));
    assertThat(config.sources().get(0).sendsTo("webhook")).isFalse();
    assertThat(config.sources().get(1).sendsTo("webhook")).isTrue();
  }

  @Test
  void unsetEnvironmentVariable_errorNamesItAndWhereItIsUsed() {
    assertThatThrownBy(() -> load(Map.of(), "destinations:", "  mixpanel:", "    token: ${NOPE}"))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "destinations.mixpanel.token uses the environment variable NOPE, which is not set");
  }

  @Test
  void unknownDestinationType_errorListsTheKnownOnes() {
    assertThatThrownBy(() -> load(Map.of(), "destinations:", "  segment-x: {token: t}"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("destinations.segment-x: no destination is called segment-x")
        .hasMessageContaining("Mixpanel");
  }

  @Test
  void sourceNamingAnUnconfiguredDestination_error() {
    assertThatThrownBy(
            () ->
                load(
                    Map.of(),
                    "sources:",
                    "  app: {writeKey: k, destinations: [mixpanel]}",
                    "destinations:",
                    "  webhook: {url: 'https://example.com'}"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("sources.app sends to mixpanel, which is not configured");
  }

  @Test
  void badNumbers_andNestedSettings_errorNamesTheSetting() {
    assertThatThrownBy(
            () -> load(Map.of(), "destinations:", "  mixpanel: {token: t, maxAttempts: 0}"))
        .hasMessage("destinations.mixpanel.maxAttempts must be a positive whole number, not 0");
    assertThatThrownBy(() -> load(Map.of(), "destinations:", "  mixpanel: {token: {nested: true}}"))
        .hasMessage("destinations.mixpanel.token must be a single value");
    assertThatThrownBy(() -> load(Map.of(), "sources:", "  app: {destinations: []}"))
        .hasMessage("sources.app.writeKey is required");
  }

  private ServerConfig load(Map<String, String> environment, String... lines) throws Exception {
    Path file = dir.resolve("rollcall.yaml");
    Files.write(file, List.of(lines));
    CommandLineValues cli = new CommandLineValues();
    cli.config = file;
    return new ConfigLoader(environment).load(cli);
  }
}
