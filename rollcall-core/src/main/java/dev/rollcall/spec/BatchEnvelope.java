package dev.rollcall.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A batch request, {@code {"batch": [...], "context": {...}, "integrations": {...}, "sentAt":
 * ...}}, opened into its messages.
 *
 * <p>The envelope's {@code context} and {@code integrations} are merged under each message's own,
 * object by object, the message's values winning; Segment's Java library relies on this, since it
 * sends {@code context.library} only on the envelope. The envelope's {@code sentAt} applies to the
 * messages that have none. An envelope field of the wrong kind rejects the whole batch, under its
 * own path ({@code context}, {@code sentAt}).
 */
public final class BatchEnvelope {
  private BatchEnvelope() {}

  /** True when {@code body} is a batch rather than a single message. */
  public static boolean isBatch(JsonNode body) {
    return body instanceof ObjectNode && body.has("batch");
  }

  /**
   * The messages of a batch, each with the envelope merged in; items that are not objects are
   * returned as they are, for the normalizer to reject one by one.
   *
   * @throws InvalidMessageException when {@code batch} is not an array, or is empty (a client that
   *     sends nothing has a bug worth hearing about), or the envelope's context or integrations are
   *     not objects
   */
  public static List<JsonNode> open(ObjectNode envelope) throws InvalidMessageException {
    JsonNode batch = envelope.get("batch");
    if (!(batch instanceof ArrayNode)) {
      throw new InvalidMessageException(
          "batch", "batch must be an array of messages, not " + kindOf(batch));
    }
    JsonNode context = objectOrAbsent(envelope, "context");
    JsonNode integrations = objectOrAbsent(envelope, "integrations");
    JsonNode sentAt = envelope.get("sentAt");
    // judged here, not once merged into the messages: a bad one is the envelope's field, which the
    // client sent once, and is reported as such (path sentAt), as a bad envelope context is
    if (sentAt != null && !sentAt.isNull() && ClientDate.read(sentAt) == null) {
      throw new InvalidMessageException(
          "sentAt",
          "the batch's sentAt is not a date (ISO-8601 or Unix time): "
              + MessageValidator.shortly(sentAt));
    }
    // after the envelope's own fields, whose errors name them whatever the batch holds
    if (batch.isEmpty()) {
      throw new InvalidMessageException("batch", "the batch is empty");
    }
    List<JsonNode> messages = new ArrayList<>(batch.size());
    for (JsonNode item : batch) {
      if (item instanceof ObjectNode) {
        ObjectNode message = (ObjectNode) item;
        mergeUnder(message, "context", context);
        mergeUnder(message, "integrations", integrations);
        if (sentAt != null && !sentAt.isNull() && !message.has("sentAt")) {
          message.set("sentAt", sentAt);
        }
      }
      messages.add(item);
    }
    return messages;
  }

  private static JsonNode objectOrAbsent(ObjectNode envelope, String field)
      throws InvalidMessageException {
    JsonNode value = envelope.get(field);
    if (value != null && !value.isNull() && !value.isObject()) {
      throw new InvalidMessageException(
          field,
          "the batch's " + field + " must be an object, not " + MessageValidator.kind(value));
    }
    return value;
  }

  private static void mergeUnder(ObjectNode message, String field, JsonNode outer) {
    if (!(outer instanceof ObjectNode) || outer.isEmpty()) {
      return;
    }
    JsonNode own = message.get(field);
    if (own == null || own.isNull()) {
      message.set(field, outer.deepCopy());
    } else if (own instanceof ObjectNode) {
      fillMissing((ObjectNode) own, (ObjectNode) outer);
    } // anything else is the message's own mistake, reported by the validator
  }

  /** Copies into {@code target} what {@code defaults} has and it lacks, recursing into objects. */
  private static void fillMissing(ObjectNode target, ObjectNode defaults) {
    Iterator<Map.Entry<String, JsonNode>> fields = defaults.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      JsonNode own = target.get(field.getKey());
      if (own == null) {
        target.set(field.getKey(), field.getValue().deepCopy());
      } else if (own instanceof ObjectNode && field.getValue() instanceof ObjectNode) {
        fillMissing((ObjectNode) own, (ObjectNode) field.getValue());
      }
    }
  }

  private static String kindOf(JsonNode value) {
    return value == null ? "absent" : MessageValidator.kind(value);
  }
}
