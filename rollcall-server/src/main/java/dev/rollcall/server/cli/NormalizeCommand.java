package dev.rollcall.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.internal.Json;
import dev.rollcall.server.collect.BatchReader;
import dev.rollcall.spec.BatchEnvelope;
import dev.rollcall.spec.InvalidMessageException;
import dev.rollcall.spec.MessageNormalizer;
import dev.rollcall.spec.Outcome;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code rollcall normalize}: one message, or a batch, from standard input, normalized as the
 * collector would, on standard output.
 */
@Command(
    name = "normalize",
    mixinStandardHelpOptions = true,
    description = {
      "Reads one message, or a batch {\"batch\": [...]}, as JSON on standard input and prints it"
          + " validated, enriched and normalized as JSON.",
      "One message prints {\"message\": {...}, \"warnings\": [...]} or {\"error\": \"...\","
          + " \"path\": \"...\"}; a batch prints an array of those, in order. A message without"
          + " \"type\" is taken as an identify.",
      "Exit status: 0 when every message is valid, 1 otherwise."
    })
final class NormalizeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  private final InputStream in;
  private final Clock clock;

  NormalizeCommand() {
    this(System.in, Clock.systemUTC());
  }

  NormalizeCommand(InputStream in, Clock clock) {
    this.in = in;
    this.clock = clock;
  }

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    byte[] body = in.readAllBytes();
    JsonNode input;
    try {
      input = Json.read(body);
    } catch (IOException e) {
      err.println("rollcall normalize: standard input is not JSON: " + firstLine(e.getMessage()));
      return 1;
    }
    MessageNormalizer normalizer = new MessageNormalizer(clock);
    boolean allValid = true;
    JsonNode result;
    if (BatchEnvelope.isBatch(input)) {
      ArrayNode outcomes = Json.MAPPER.createArrayNode();
      try {
        // read again as the collector reads a batch: Json.read keeps the last of two batch fields
        List<JsonNode> messages = BatchEnvelope.open(BatchReader.readEnvelope(body));
        for (int i = 0; i < messages.size(); i++) {
          Outcome outcome =
              normalizer
                  .normalize(withoutWriteKey(messages.get(i)), null, null)
                  .under("batch[" + i + "]");
          allValid &= outcome.isAccepted();
          outcomes.add(outcome.toJson());
        }
        result = outcomes;
      } catch (InvalidMessageException e) {
        result = Outcome.rejected(e.reason(), e.path()).toJson();
        allValid = false;
      } catch (BatchReader.TwoBatchesException e) {
        result = Outcome.rejected(e.getMessage(), "batch").toJson();
        allValid = false;
      }
    } else {
      if (input instanceof ObjectNode && !input.has("type")) {
        ((ObjectNode) input).put("type", "identify");
      }
      Outcome outcome = normalizer.normalize(withoutWriteKey(input), null, null);
      allValid = outcome.isAccepted();
      result = outcome.toJson();
    }
    out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(result));
    out.flush();
    return allValid ? 0 : 1;
  }

  /** The message without its {@code writeKey}: a credential, which the collector never stores. */
  private static JsonNode withoutWriteKey(JsonNode message) {
    if (message instanceof ObjectNode object) object.remove("writeKey");
    return message;
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unreadable";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
