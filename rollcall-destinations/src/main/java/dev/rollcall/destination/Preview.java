package dev.rollcall.destination;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.Message;
import dev.rollcall.MessageType;
import dev.rollcall.internal.Json;
import dev.rollcall.spec.MessageNormalizer;
import dev.rollcall.spec.Outcome;
import java.util.Map;

/**
 * What a destination would be sent for a call, without sending: the message is normalized as the
 * collector would, then planned with preview settings (a setting not given reads as {@code
 * <name>}). Shared by {@code rollcall preview} and {@code POST /v1/preview}.
 */
public final class Preview {
  private final MessageNormalizer normalizer;

  public Preview(MessageNormalizer normalizer) {
    this.normalizer = normalizer;
  }

  /** The result: the requests as JSON, or why there are none, or why the message is invalid. */
  public record Result(ArrayNode requests, String skipReason, String error, String path) {
    public boolean invalid() {
      return error != null;
    }
  }

  /**
   * @param raw a message; without {@code type} it is an identify
   * @param settings the destination's settings given for the preview (may be empty)
   */
  public Result preview(Destination destination, JsonNode raw, Map<String, String> settings) {
    if (raw instanceof ObjectNode && !raw.has("type")) {
      ((ObjectNode) raw).put("type", "identify");
    }
    Outcome outcome = normalizer.normalize(raw, null, null);
    if (!outcome.isAccepted()) {
      return new Result(null, null, outcome.error(), outcome.path());
    }
    Message message = outcome.message();
    ArrayNode requests = Json.MAPPER.createArrayNode();
    if (message.type() != MessageType.IDENTIFY) {
      return new Result(
          requests,
          destination.name() + " gets identify calls only; this is a " + message.type().wireName(),
          null,
          null);
    }
    if (!Integrations.enabled(message.integrations(), destination.name())) {
      return new Result(
          requests, "the call's integrations object excludes " + destination.name(), null, null);
    }
    DestinationSettings preview =
        DestinationSettings.preview(
            settings, Integrations.options(message.integrations(), destination.name()));
    Plan plan;
    try {
      plan = destination.plan(message, preview);
    } catch (IllegalArgumentException e) {
      return new Result(null, null, e.getMessage(), "settings");
    }
    for (DestinationRequest request : plan.requests()) {
      requests.add(request.toJson());
    }
    return new Result(requests, plan.skipReason(), null, null);
  }
}
