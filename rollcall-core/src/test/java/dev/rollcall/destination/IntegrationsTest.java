package dev.rollcall.destination;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.internal.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class IntegrationsTest {
  private static ObjectNode json(String text) throws IOException {
    return (ObjectNode) Json.read(text.replace('\'', '"').getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void enabled_noIntegrationsObject_sendsEverywhere() {
    assertThat(Integrations.enabled(null, "Mixpanel")).isTrue();
    assertThat(Integrations.enabled(Json.object(), "Salesforce")).isTrue();
  }

  @Test
  void enabled_destinationFalse_excludesOnlyThatOne() throws IOException {
    ObjectNode integrations = json("{'Mixpanel': false}");

    assertThat(Integrations.enabled(integrations, "Mixpanel")).isFalse();
    assertThat(Integrations.enabled(integrations, "Intercom")).isTrue();
  }

  @Test
  void enabled_allFalseWithTwoTrue_sendsToThoseTwoOnly() throws IOException {
    ObjectNode integrations = json("{'All': false, 'Mixpanel': true, 'Salesforce': true}");

    assertThat(Integrations.enabled(integrations, "Mixpanel")).isTrue();
    assertThat(Integrations.enabled(integrations, "Salesforce")).isTrue();
    for (String other :
        new String[] {"Intercom", "Mailchimp", "HubSpot", "Customer.io", "Amplitude", "Webhook"}) {
      assertThat(Integrations.enabled(integrations, other)).as(other).isFalse();
    }
  }

  @Test
  void enabled_objectValue_countsAsTrueAndItsOptionsReachTheAdapter() throws IOException {
    ObjectNode integrations =
        json("{'All': false, 'Mixpanel': {'apiSecret': 'x', 'region': 'eu'}}");

    assertThat(Integrations.enabled(integrations, "Mixpanel")).isTrue();
    assertThat(Integrations.options(integrations, "Mixpanel").get("region").textValue())
        .isEqualTo("eu");
    assertThat(Integrations.options(integrations, "Intercom")).isNull();
  }

  @ParameterizedTest(name = "{0} names {1}")
  @CsvSource({
    "MailChimp, Mailchimp",
    "mailchimp, Mailchimp",
    "Customer.io, customerio",
    "customer_io, Customer.io",
    "HubSpot, hubspot",
    "Hub Spot, HubSpot",
    "SALESFORCE, Salesforce"
  })
  void enabled_namesMatchWithoutCaseSpacesOrPunctuation(String spelled, String destination)
      throws IOException {
    ObjectNode integrations = json("{'All': false, '" + spelled + "': true}");

    assertThat(Integrations.enabled(integrations, destination)).isTrue();
  }

  @Test
  void enabled_allSpelledInLowerCase_stillMeansAll() throws IOException {
    assertThat(Integrations.enabled(json("{'all': false}"), "Mixpanel")).isFalse();
  }

  @Test
  void enabled_nullValue_fallsBackToAll() throws IOException {
    assertThat(Integrations.enabled(json("{'All': false, 'Mixpanel': null}"), "Mixpanel"))
        .isFalse();
    assertThat(Integrations.enabled(json("{'Mixpanel': null}"), "Mixpanel")).isTrue();
  }

  @Test
  void key_keepsLettersAndDigitsInLowerCase() {
    assertThat(Destination.key("Customer.io")).isEqualTo("customerio");
    assertThat(Destination.key("Google Analytics 4")).isEqualTo("googleanalytics4");
  }
}
