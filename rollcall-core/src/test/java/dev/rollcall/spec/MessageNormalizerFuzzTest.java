package dev.rollcall.spec;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.Message;
import dev.rollcall.MessageType;
import dev.rollcall.internal.Json;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;

/**
 * Fuzzes validation, enrichment and normalization, alone ({@link #normalize}) and after a batch
 * envelope is opened ({@link #batch}). For any bytes that are JSON:
 *
 * <ul>
 *   <li>nothing is thrown but the documented {@link InvalidMessageException} of {@link
 *       BatchEnvelope#open} (the normalizer itself returns a rejected {@link Outcome});
 *   <li>a rejected message has an error for a person to read and a path;
 *   <li>an accepted one has an id of its person, a {@code messageId}, and dates in ISO-8601;
 *   <li>the message as the event log stores it (its bytes), read and normalized again with the same
 *       clock, is the same bytes: normalizing a normalized message changes nothing.
 * </ul>
 *
 * The first byte of a {@link #normalize} input picks the endpoint's type (or none, when the body
 * must name it) and whether the connection's address is known.
 */
class MessageNormalizerFuzzTest {
  static final Instant NOW = Instant.parse("2024-05-01T12:00:00.123Z");
  static final MessageNormalizer NORMALIZER =
      new MessageNormalizer(Clock.fixed(NOW, ZoneOffset.UTC));
  private static final String IP = "203.0.113.7";

  @FuzzTest
  @DictionaryFile(resourcePath = "/dev/rollcall/spec/segment.dict")
  void normalize(byte[] input) throws Exception {
    if (input.length == 0) return;
    MessageType[] types = MessageType.values();
    int pick = (input[0] & 0x7f) % (types.length + 1);
    MessageType implied = pick == types.length ? null : types[pick];
    String ip = (input[0] & 0x80) != 0 ? IP : null;
    JsonNode raw = readOrNull(Arrays.copyOfRange(input, 1, input.length));
    if (raw == null) return;

    check(NORMALIZER.normalize(raw, implied, ip), implied, ip);
  }

  @FuzzTest
  @DictionaryFile(resourcePath = "/dev/rollcall/spec/segment.dict")
  void batch(byte[] body) throws Exception {
    JsonNode raw = readOrNull(body);
    if (!(raw instanceof ObjectNode)) return;
    List<JsonNode> messages;
    try {
      messages = BatchEnvelope.open((ObjectNode) raw);
    } catch (InvalidMessageException e) {
      assertThat(e.reason()).isNotBlank();
      assertThat(e.path()).isNotNull();
      return;
    }
    assertThat(messages).hasSize(raw.get("batch").size());
    for (int i = 0; i < messages.size(); i++) {
      Outcome outcome = NORMALIZER.normalize(messages.get(i), null, null).under("batch[" + i + "]");
      if (!outcome.isAccepted()) {
        assertThat(outcome.path()).startsWith("batch[" + i + "]");
      }
      check(outcome, null, null);
    }
  }

  static JsonNode readOrNull(byte[] body) {
    try {
      return Json.read(body);
    } catch (IOException e) {
      return null;
    }
  }

  static void check(Outcome outcome, MessageType implied, String ip) throws IOException {
    if (!outcome.isAccepted()) {
      assertThat(outcome.error()).isNotBlank();
      assertThat(outcome.path()).isNotNull();
      assertThat(outcome.toJson().has("error")).isTrue();
      assertThat(outcome.toJson().has("path")).isTrue();
      return;
    }
    Message message = outcome.message();
    if (implied != null) assertThat(message.type()).isEqualTo(implied);
    assertThat(message.personKey()).isNotEmpty();
    assertThat(message.messageId()).isNotEmpty();
    assertThat(message.receivedAt()).isEqualTo(NOW);
    assertThat(message.timestamp()).isNotNull();
    assertThat(message.originalTimestamp()).isNotNull();
    if (ip != null) assertThat(message.json().get("context").has("ip")).isTrue();

    byte[] stored = message.toJson();
    Outcome again = NORMALIZER.normalize(Json.read(stored), implied, ip);
    assertThat(again.isAccepted()).as(again.error()).isTrue();
    assertThat(again.message().type()).isEqualTo(message.type());
    assertThat(new String(again.message().toJson(), java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo(new String(stored, java.nio.charset.StandardCharsets.UTF_8));
  }
}
