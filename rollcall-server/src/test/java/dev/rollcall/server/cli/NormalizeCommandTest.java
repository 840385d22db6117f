package dev.rollcall.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rollcall.internal.Json;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** {@code rollcall normalize} applies the collector's rules, batches' included. */
class NormalizeCommandTest {
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2024-05-01T12:00:00Z"), ZoneOffset.UTC);

  private int exit;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private JsonNode normalize(String input) throws Exception {
    CommandLine cli =
        new CommandLine(
            new NormalizeCommand(
                new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), CLOCK));
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    exit = cli.execute();
    return Json.read(out.toString().getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void normalize_aBatchOfOne_printsItsOutcome() throws Exception {
    JsonNode printed = normalize("{\"batch\": [{\"type\": \"identify\", \"userId\": \"u\"}]}");

    assertThat(exit).isZero();
    assertThat(printed).hasSize(1);
    assertThat(printed.get(0).get("message").get("userId").textValue()).isEqualTo("u");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "{\"batch\": [], \"batch\": [{\"type\": \"identify\", \"userId\": \"u\"}]}",
        "{\"batch\": [{\"type\": \"identify\", \"userId\": \"u\"}], \"batch\": []}",
        "{\"batch\": [{\"type\": \"identify\", \"userId\": \"u\"}], \"batch\": \"x\"}",
        "{\"batch\": 1, \"batch\": [{\"type\": \"identify\", \"userId\": \"u\"}]}"
      })
  void normalize_aBodyWithTheFieldBatchTwice_isRefusedAsTheCollectorRefusesIt(String body)
      throws Exception {
    JsonNode printed = normalize(body);

    assertThat(exit).isEqualTo(1);
    assertThat(printed.get("error").textValue())
        .isEqualTo("the body has the field batch more than once; send one batch array");
    assertThat(printed.get("path").textValue()).isEqualTo("batch");
  }

  @Test
  void normalize_anEmptyBatch_isRefusedAsTheCollectorRefusesIt() throws Exception {
    JsonNode printed = normalize("{\"batch\": []}");

    assertThat(exit).isEqualTo(1);
    assertThat(printed.get("error").textValue()).isEqualTo("the batch is empty");
    assertThat(printed.get("path").textValue()).isEqualTo("batch");
  }

  @Test
  void normalize_aBatchWhoseEnvelopeSentAtIsNotADate_isRefusedNamingTheEnvelopesSentAt()
      throws Exception {
    JsonNode printed =
        normalize(
            "{\"batch\": [{\"type\": \"identify\", \"userId\": \"a\"}], \"sentAt\": \"garbage\"}");

    assertThat(exit).isEqualTo(1);
    assertThat(printed.path("path").textValue()).isEqualTo("sentAt");
    assertThat(printed.path("error").textValue())
        .isEqualTo("the batch's sentAt is not a date (ISO-8601 or Unix time): \"garbage\"");
  }

  @Test
  void normalize_oneMessage_dropsItsWriteKey_asTheCollectorDoes() throws Exception {
    JsonNode printed = normalize("{\"userId\": \"a\", \"writeKey\": \"secret\"}");

    assertThat(exit).isZero();
    assertThat(printed.get("message").has("writeKey")).isFalse();
  }

  @Test
  void normalize_aBatch_dropsItsMessagesWriteKeys_asTheCollectorDoes() throws Exception {
    JsonNode printed =
        normalize(
            "{\"batch\": [{\"type\": \"identify\", \"userId\": \"a\", \"writeKey\": \"secret\"}]}");

    assertThat(exit).isZero();
    assertThat(printed.get(0).get("message").has("writeKey")).isFalse();
  }
}
