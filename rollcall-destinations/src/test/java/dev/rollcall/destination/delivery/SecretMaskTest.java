package dev.rollcall.destination.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rollcall.destination.DestinationRequest;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SecretMaskTest {
  @Test
  void mask_secretSettingsQuotedInAnError_areReplacedByTheirNames() {
    SecretMask mask =
        new SecretMask(
            Map.of(
                "token", "mp-0123456789",
                "apiKey", "key-abcdef-us6",
                "accessToken", "00D5g!AQ4AQL",
                "secret", "whsec_42424242",
                "baseUrl", "http://localhost:1234"));

    String masked =
        mask.mask(
            "HTTP 401: invalid token mp-0123456789 (key key-abcdef-us6, 00D5g!AQ4AQL,"
                + " whsec_42424242) at http://localhost:1234");

    assertThat(masked)
        .isEqualTo(
            "HTTP 401: invalid token <token> (key <apiKey>, <accessToken>, <secret>)"
                + " at http://localhost:1234");
  }

  @Test
  void mask_secretThatContainsAnother_isMaskedWhole() {
    SecretMask mask = new SecretMask(Map.of("token", "abcd", "apiKey", "abcd-efgh"));

    assertThat(mask.mask("abcd-efgh and abcd")).isEqualTo("<apiKey> and <token>");
  }

  @Test
  void mask_theRequestsBasicCredentials_evenInBase64() {
    SecretMask mask = new SecretMask(Map.of("siteId", "site1", "apiKey", "cio-0123456789"));
    String basic = java.util.Base64.getEncoder().encodeToString("site1:cio-0123456789".getBytes());
    DestinationRequest request =
        DestinationRequest.builder("PUT", "http://localhost/api/v1/customers/u1")
            .header("Authorization", "Basic " + basic)
            .build();

    assertThat(mask.mask("401: bad credentials Basic " + basic, request))
        .isEqualTo("401: bad credentials Basic <credentials>");
  }

  @Test
  void isSecret_byTheSettingsName() {
    assertThat(SecretMask.isSecret("token")).isTrue();
    assertThat(SecretMask.isSecret("apiKey")).isTrue();
    assertThat(SecretMask.isSecret("accessToken")).isTrue();
    assertThat(SecretMask.isSecret("secret")).isTrue();
    assertThat(SecretMask.isSecret("listId")).isFalse();
    assertThat(SecretMask.isSecret("baseUrl")).isFalse();
  }
}
