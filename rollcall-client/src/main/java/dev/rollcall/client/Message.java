package dev.rollcall.client;

import java.time.Instant;
import java.util.Map;

/**
 * One call of Segment's spec, ready to enqueue: an {@link Identify}, a {@link Track}, an {@link
 * Alias} or a {@link Group}. Messages are immutable values made by their builders, which check
 * their arguments at once.
 *
 * <p>Maps (traits, properties, context, integrations) are not copied: the message is written to
 * JSON when it is enqueued, so a map may be changed or reused once {@link Rollcall#enqueue} has
 * returned, but not before. Values may be strings, numbers, booleans, null, maps, lists, arrays,
 * {@link Instant}s and {@link java.util.Date}s (written as ISO-8601 in UTC), other {@code
 * java.time} values, UUIDs and enums (written as their {@code toString()}).
 */
public abstract class Message {
  /** Segment's limit for a message id (characters). */
  static final int MAX_MESSAGE_ID_LENGTH = 100;

  private final String userId;
  private final String anonymousId;
  private final Map<String, ?> context;
  private final Map<String, ?> integrations;
  private final Instant timestamp;
  private final String messageId;

  Message(Builder<?, ?> builder) {
    this(
        builder.userId,
        builder.anonymousId,
        builder.context,
        builder.integrations,
        builder.timestamp,
        builder.messageId);
  }

  Message(
      String userId,
      String anonymousId,
      Map<String, ?> context,
      Map<String, ?> integrations,
      Instant timestamp,
      String messageId) {
    this.userId = userId;
    this.anonymousId = anonymousId;
    this.context = context;
    this.integrations = integrations;
    this.timestamp = timestamp;
    this.messageId = messageId;
  }

  /**
   * The call's name on the wire: {@code identify}, {@code track}, {@code alias} or {@code group}.
   */
  public abstract String type();

  /** The user's id in your database, or null for an anonymous visitor. */
  public final String userId() {
    return userId;
  }

  /** A pseudo-unique id of an anonymous visitor, or null. */
  public final String anonymousId() {
    return anonymousId;
  }

  /**
   * Extra information about the call (Segment's {@code context} object), or null. The SDK adds
   * {@code context.library} unless the map has a {@code library} entry.
   */
  public final Map<String, ?> context() {
    return context;
  }

  /** Which destinations get the call ({@code {"All": false, "Mixpanel": true}}), or null. */
  public final Map<String, ?> integrations() {
    return integrations;
  }

  /**
   * When the call happened. Null on a built message that did not set it; the client sets it from
   * its {@link java.time.Clock} when the message is enqueued.
   */
  public final Instant timestamp() {
    return timestamp;
  }

  /**
   * The message's unique id (at most 100 characters), which servers use to drop duplicates. Null on
   * a built message that did not set it; the client assigns a UUID when it is enqueued.
   */
  public final String messageId() {
    return messageId;
  }

  /** This message with the messageId and timestamp given, for those that are not set. */
  abstract Message withDefaults(String messageId, Instant timestamp);

  String defaultMessageId(String messageId) {
    return this.messageId != null ? this.messageId : messageId;
  }

  Instant defaultTimestamp(Instant timestamp) {
    return this.timestamp != null ? this.timestamp : timestamp;
  }

  @Override
  public String toString() {
    // ids only: traits and properties may hold personal data that has no place in logs
    return getClass().getSimpleName()
        + "{messageId="
        + messageId
        + (userId != null ? ", userId=" + userId : "")
        + (anonymousId != null ? ", anonymousId=" + anonymousId : "")
        + "}";
  }

  static String requireText(String value, String name) {
    if (value == null) {
      throw new NullPointerException(name + " == null");
    }
    if (value.isBlank()) {
      throw new IllegalArgumentException(name + " is blank");
    }
    return value;
  }

  static <T> T requireNonNull(T value, String name) {
    if (value == null) {
      throw new NullPointerException(name + " == null");
    }
    return value;
  }

  /**
   * The fields every call has. Each setter checks its argument at once: null and blank ids are
   * rejected with a message that names the field.
   */
  public abstract static class Builder<M extends Message, B extends Builder<M, B>> {
    String userId;
    String anonymousId;
    Map<String, ?> context;
    Map<String, ?> integrations;
    Instant timestamp;
    String messageId;

    Builder() {}

    /** The user's id in your database. */
    public final B userId(String userId) {
      this.userId = requireText(userId, "userId");
      return self();
    }

    /** A pseudo-unique id of an anonymous visitor (a cookie id, a device id). */
    public final B anonymousId(String anonymousId) {
      this.anonymousId = requireText(anonymousId, "anonymousId");
      return self();
    }

    /** Segment's {@code context} object: {@code ip}, {@code locale}, {@code userAgent}, ... */
    public final B context(Map<String, ?> context) {
      this.context = requireNonNull(context, "context");
      return self();
    }

    /** Segment's {@code integrations} object: {@code {"All": false, "Mixpanel": true}}. */
    public final B integrations(Map<String, ?> integrations) {
      this.integrations = requireNonNull(integrations, "integrations");
      return self();
    }

    /** When the call happened; by default, the client's clock when the message is enqueued. */
    public final B timestamp(Instant timestamp) {
      this.timestamp = requireNonNull(timestamp, "timestamp");
      return self();
    }

    /**
     * A unique id for de-duplication (at most 100 characters); by default a UUID assigned when the
     * message is enqueued. Give your own to make retries from your side idempotent.
     */
    public final B messageId(String messageId) {
      requireText(messageId, "messageId");
      if (messageId.length() > MAX_MESSAGE_ID_LENGTH) {
        throw new IllegalArgumentException(
            "messageId.length() > " + MAX_MESSAGE_ID_LENGTH + ": " + messageId.length());
      }
      this.messageId = messageId;
      return self();
    }

    abstract B self();

    /** The message; throws {@link IllegalStateException} naming what is missing. */
    public abstract M build();

    void requireUserOrAnonymousId(String type) {
      if (userId == null && anonymousId == null) {
        throw new IllegalStateException(
            "userId == null && anonymousId == null: " + type + " needs one of them");
      }
    }
  }
}
