package dev.rollcall.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rollcall.destination.Destination;
import dev.rollcall.destination.Destinations;
import dev.rollcall.destination.Preview;
import dev.rollcall.internal.Json;
import dev.rollcall.spec.MessageNormalizer;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code rollcall preview --destination NAME}: the exact requests a destination would get. */
@Command(
    name = "preview",
    mixinStandardHelpOptions = true,
    description = {
      "Reads one message as JSON on standard input and prints, without sending anything, the"
          + " requests the destination would be sent: a JSON array of {\"method\", \"url\","
          + " \"headers\", \"body\"}. Settings not given appear as placeholders such as <token>.",
      "A call the destination would not get prints [] and the reason on standard error.",
      "Exit status: 0 on a preview (sent or skipped), 1 on an invalid message, 2 on bad options."
    })
final class PreviewCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--destination",
      required = true,
      paramLabel = "NAME",
      description =
          "Mixpanel, Intercom, Mailchimp, Salesforce, HubSpot, Customer.io, Amplitude or Webhook (any case).")
  String destination;

  @Option(
      names = "--set",
      paramLabel = "KEY=VALUE",
      description = "A destination setting, such as token=abc; repeatable.")
  Map<String, String> settings = new LinkedHashMap<>();

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Destination target = Destinations.find(destination);
    if (target == null) {
      err.println(
          "rollcall preview: no destination " + destination + "; known: " + Destinations.names());
      return 2;
    }
    JsonNode message;
    try {
      message = Json.read(System.in.readAllBytes());
    } catch (IOException e) {
      err.println(
          "rollcall preview: standard input is not JSON: " + e.getMessage().split("\n", 2)[0]);
      return 1;
    }
    Preview.Result result =
        new Preview(new MessageNormalizer(Clock.systemUTC())).preview(target, message, settings);
    if (result.invalid()) {
      err.println(
          "rollcall preview: "
              + result.error()
              + (result.path().isEmpty() ? "" : " (at " + result.path() + ")"));
      return 1;
    }
    out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(result.requests()));
    out.flush();
    if (result.skipReason() != null) {
      err.println("rollcall preview: not sent to " + target.name() + ": " + result.skipReason());
    }
    return 0;
  }
}
