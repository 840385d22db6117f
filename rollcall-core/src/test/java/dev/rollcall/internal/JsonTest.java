package dev.rollcall.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonTest {

  private static JsonNode read(String text) throws IOException {
    return Json.read(text.getBytes(StandardCharsets.UTF_8));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "1.10",
        "3.141592653589793238462643",
        "123456789012345678901234567890",
        "-0.50",
        "1.0E-7",
        "42",
        "[1.000,2.50,{\"a\":0.10}]",
      })
  void read_thenWrite_keepsEveryDigitOfANumber(String number) throws IOException {
    assertThat(Json.writeString(read(number))).isEqualTo(number);
    assertThat(new String(Json.write(read(number)), StandardCharsets.UTF_8)).isEqualTo(number);
  }

  @Test
  void read_decimal_keepsItsScale() throws IOException {
    assertThat(read("1.10").decimalValue().scale()).isEqualTo(2);
    assertThat(read("1.1").decimalValue().scale()).isEqualTo(1);
  }

  @ParameterizedTest(name = "\"{0}\"")
  @ValueSource(strings = {"", " ", "\n\t "})
  void read_emptyBody_isAnEmptyBodyException(String body) {
    assertThatThrownBy(() -> read(body))
        .isInstanceOf(Json.EmptyBodyException.class)
        .hasMessage("the body is empty");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"{", "{\"a\": NaN}", "{\"a\": Infinity}", "{'a': 1}", "[1,]", "nul"})
  void read_notJson_isAJsonProcessingException(String body) {
    assertThatThrownBy(() -> read(body)).isInstanceOf(JsonProcessingException.class);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"{} {}", "{\"userId\": \"u1\"}{\"userId\": \"u2\"}", "1 2", "[] x"})
  void read_somethingAfterTheFirstDocument_isRefused(String body) {
    assertThatThrownBy(() -> read(body)).isInstanceOf(JsonProcessingException.class);
  }

  @Test
  void read_whitespaceAfterTheDocument_isFine() throws IOException {
    assertThat(read("{\"a\": 1} \n\t ").get("a").intValue()).isEqualTo(1);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "C0 AF", // overlong '/'
        "E0 80 AF", // overlong '/', three bytes
        "ED A0 80", // a UTF-16 surrogate
        "F4 90 80 80", // above U+10FFFF
        "E2 82", // cut short
        "FF", // never in UTF-8
        "80", // a continuation byte alone
      })
  void read_bytesThatAreNotStrictUtf8_areRefused(String hex) {
    byte[] body = quoted(hex);

    assertThatThrownBy(() -> Json.read(body)).isInstanceOf(JsonProcessingException.class);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"C3 AB", "E2 82 AC", "F0 9F 9A 80", "F4 8F BF BF"})
  void read_wellFormedMultibyteUtf8_isRead(String hex) throws IOException {
    byte[] body = quoted(hex);

    assertThat(Json.read(body).textValue())
        .isEqualTo(new String(body, 1, body.length - 2, StandardCharsets.UTF_8));
  }

  /** A JSON string holding the bytes written in hex, such as {@code "C3 AB"}. */
  private static byte[] quoted(String hex) {
    String[] parts = hex.split(" ");
    byte[] body = new byte[parts.length + 2];
    body[0] = '"';
    for (int i = 0; i < parts.length; i++) {
      body[i + 1] = (byte) Integer.parseInt(parts[i], 16);
    }
    body[body.length - 1] = '"';
    return body;
  }

  @Test
  void read_nestingUpToTheLimit_isRead() throws IOException {
    String nested =
        "[".repeat(Json.MAX_NESTING_DEPTH - 1) + "{}" + "]".repeat(Json.MAX_NESTING_DEPTH - 1);

    assertThat(read(nested).isArray()).isTrue();
  }

  @Test
  void read_nestingBeyondTheLimit_isRefused() {
    String nested = "[".repeat(Json.MAX_NESTING_DEPTH + 1) + "]".repeat(Json.MAX_NESTING_DEPTH + 1);

    assertThatThrownBy(() -> read(nested))
        .isInstanceOf(JsonProcessingException.class)
        .hasMessageContaining("nesting depth");
  }

  @Test
  void readEnvelope_aMessageAsDeepAsTheLimit_isRead() throws IOException {
    String message =
        "[".repeat(Json.MAX_NESTING_DEPTH - 1) + "{}" + "]".repeat(Json.MAX_NESTING_DEPTH - 1);

    JsonNode envelope = readEnvelope("{\"source\":\"s\",\"message\":" + message + "}");

    assertThat(envelope.get("message").isArray()).isTrue();
  }

  @Test
  void readEnvelope_aMessageDeeperThanTheLimit_isTooDeep() {
    String message =
        "[".repeat(Json.MAX_NESTING_DEPTH + 1) + "]".repeat(Json.MAX_NESTING_DEPTH + 1);

    assertThatThrownBy(() -> readEnvelope("{\"message\":" + message + "}"))
        .isInstanceOf(Json.TooDeepException.class)
        .hasMessage(
            "the message is nested deeper than 64 levels of objects and arrays, the most the"
                + " collector takes");
  }

  @Test
  void readEnvelope_trailingTokens_areRefusedAsReadRefusesThem() {
    assertThatThrownBy(() -> readEnvelope("{\"message\": {}} trailing"))
        .isInstanceOf(JsonProcessingException.class)
        .isNotInstanceOf(Json.TooDeepException.class);
  }

  private static JsonNode readEnvelope(String text) throws IOException {
    return Json.readEnvelope(text.getBytes(StandardCharsets.UTF_8));
  }

  /** Found by fuzzing: Jackson throws NumberFormatException, no IOException, for these. */
  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "999E9999999999999",
        "{\"a\": 1e99999999999}",
        "[1E-9999999999]",
        "{\"a\": {\"b\": -2.5e+3000000000}}"
      })
  void read_numberWithAnExponentBeyondBigDecimal_isAnIOException(String body) {
    assertThatThrownBy(() -> read(body))
        .isInstanceOf(Json.NumberOutOfRangeException.class)
        .hasMessage("a number's exponent is out of range");
  }

  @Test
  void read_numberWithTheLargestExponentBigDecimalHolds_isRead() throws IOException {
    assertThat(read("1e2147483647").decimalValue().scale()).isEqualTo(-2147483647);
  }

  @Test
  void object_isANewEmptyObjectEachTime() {
    assertThat(Json.object()).isEmpty();
    assertThat(Json.object()).isNotSameAs(Json.object());
  }

  @org.junit.jupiter.api.Test
  void write_emoji_asItsFourUtf8Bytes_notEscapedSurrogates() throws Exception {
    com.fasterxml.jackson.databind.JsonNode tree =
        Json.read(
            "{\"motto\": \"\uD83D\uDE80 go\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8));

    byte[] written = Json.write(tree);

    org.assertj.core.api.Assertions.assertThat(
            new String(written, java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo("{\"motto\":\"\uD83D\uDE80 go\"}")
        .doesNotContain("\\uD83D");
  }
}
