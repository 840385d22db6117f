package dev.rollcall.spec;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.Message;
import dev.rollcall.internal.Json;
import java.util.List;

/** What became of one incoming message: accepted (with warnings) or rejected (with the reason). */
public final class Outcome {
  private final Message message;
  private final List<Warning> warnings;
  private final String error;
  private final String path;

  private Outcome(Message message, List<Warning> warnings, String error, String path) {
    this.message = message;
    this.warnings = warnings;
    this.error = error;
    this.path = path;
  }

  public static Outcome accepted(Message message, List<Warning> warnings) {
    return new Outcome(message, List.copyOf(warnings), null, null);
  }

  public static Outcome rejected(String error, String path) {
    return new Outcome(null, List.of(), error, path);
  }

  public boolean isAccepted() {
    return message != null;
  }

  /** The normalized message, or null when rejected. */
  public Message message() {
    return message;
  }

  public List<Warning> warnings() {
    return warnings;
  }

  /** Why the message was rejected, or null when accepted. */
  public String error() {
    return error;
  }

  /** The field at fault when rejected, or null. */
  public String path() {
    return path;
  }

  /** The same outcome with its path placed under {@code prefix}, as {@code batch[3].userId}. */
  public Outcome under(String prefix) {
    if (isAccepted()) {
      return this;
    }
    return rejected(error, path.isEmpty() ? prefix : prefix + "." + path);
  }

  /**
   * {@code {"message": {...}, "warnings": [...]}} when accepted, {@code {"error": "...", "path":
   * "..."}} when rejected.
   */
  public ObjectNode toJson() {
    ObjectNode json = Json.object();
    if (isAccepted()) {
      json.set("message", message.json());
      ArrayNode list = json.putArray("warnings");
      for (Warning warning : warnings) {
        list.add(warning.toJson());
      }
    } else {
      json.put("error", error);
      json.put("path", path);
    }
    return json;
  }
}
