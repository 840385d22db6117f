package dev.rollcall;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.internal.Json;
import dev.rollcall.spec.Dates;
import java.time.Instant;

/**
 * A validated, enriched and normalized call: an identify, or one of the other five types.
 *
 * <p>A message is its JSON object. The accessors read the fields of Segment's spec (the common
 * fields, and {@code traits} for identify); every other field, at any depth, is kept as the client
 * sent it and written back unchanged by {@link #toJson()}. Only {@link
 * dev.rollcall.spec.MessageNormalizer} makes messages, so every accessor can rely on the rules it
 * checked: {@link #type()} is set, one of {@link #userId()} and {@link #anonymousId()} is a
 * non-empty string, {@link #messageId()}, {@link #timestamp()} and {@link #receivedAt()} are set,
 * and {@code traits}, {@code context} and {@code integrations} are objects when present.
 *
 * <p>Treat {@link #json()} as read-only: messages are shared between threads.
 */
public final class Message {
  private final MessageType type;
  private final ObjectNode json;

  /** For the normalizer only: {@code json} must already obey the rules above. */
  public Message(MessageType type, ObjectNode json) {
    if (type == null) throw new NullPointerException("type == null");
    if (json == null) throw new NullPointerException("json == null");
    this.type = type;
    this.json = json;
  }

  public MessageType type() {
    return type;
  }

  /** The user's id in the application's database, or null for an anonymous call. */
  public String userId() {
    return text("userId");
  }

  /** The pseudo-unique id of a visitor not known yet, or null. */
  public String anonymousId() {
    return text("anonymousId");
  }

  /** The id the person is best known by: {@link #userId()}, else {@link #anonymousId()}. */
  public String personKey() {
    String userId = userId();
    return userId != null ? userId : anonymousId();
  }

  public String messageId() {
    return text("messageId");
  }

  /** When the call happened, corrected for the client's clock skew. */
  public Instant timestamp() {
    return date("timestamp");
  }

  /** The client's own clock reading of when the call happened, or null when it sent none. */
  public Instant originalTimestamp() {
    return date("originalTimestamp");
  }

  /** When the client sent the request, by the client's clock, or null. */
  public Instant sentAt() {
    return date("sentAt");
  }

  /** When Rollcall received the call, by its own clock. */
  public Instant receivedAt() {
    return date("receivedAt");
  }

  /** {@code server}, {@code browser} or {@code mobile}, or null. */
  public String channel() {
    return text("channel");
  }

  /** The version of the tracking API the client spoke, as sent (a string or a number), or null. */
  public JsonNode version() {
    return json.get("version");
  }

  /** The traits of an identify call (an empty object when there are none). */
  public ObjectNode traits() {
    return object("traits");
  }

  /** The call's context (an empty object when there is none). */
  public Context context() {
    return new Context(object("context"));
  }

  /** Which destinations get the call (an empty object, meaning all, when there is none). */
  public ObjectNode integrations() {
    return object("integrations");
  }

  /** The whole message as JSON. Read-only. */
  public ObjectNode json() {
    return json;
  }

  public byte[] toJson() {
    return Json.write(json);
  }

  @Override
  public String toString() {
    return Json.writeString(json);
  }

  private String text(String field) {
    JsonNode value = json.get(field);
    return value != null && value.isTextual() ? value.textValue() : null;
  }

  private Instant date(String field) {
    return Dates.parse(json.get(field));
  }

  private ObjectNode object(String field) {
    JsonNode value = json.get(field);
    return value instanceof ObjectNode ? (ObjectNode) value : Json.object();
  }
}
