package dev.rollcall.client;

import java.time.Instant;
import java.util.Map;

/**
 * Ties a user to their actions and records traits about them: Segment's {@code identify} call.
 *
 * <pre>{@code
 * rollcall.enqueue(Identify.builder()
 *     .userId("97980cfea0067")
 *     .anonymousId("507f191e810c19729de860ea")
 *     .traits(Map.of("name", "Peter Gibbons", "email", "peter@initech.com"))
 *     .build());
 * }</pre>
 */
public final class Identify extends Message {
  private final Map<String, ?> traits;

  private Identify(Builder builder) {
    super(builder);
    this.traits = builder.traits;
  }

  /** The shortcut's message: {@link Rollcall#identify(String, Map)}. */
  Identify(String userId, Map<String, ?> traits, Instant timestamp, String messageId) {
    super(userId, null, null, null, timestamp, messageId);
    this.traits = traits;
  }

  private Identify(Identify from, String messageId, Instant timestamp) {
    super(
        from.userId(),
        from.anonymousId(),
        from.context(),
        from.integrations(),
        from.defaultTimestamp(timestamp),
        from.defaultMessageId(messageId));
    this.traits = from.traits;
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String type() {
    return "identify";
  }

  /** What you know about the user ({@code email}, {@code name}, {@code plan}, ...), or null. */
  public Map<String, ?> traits() {
    return traits;
  }

  @Override
  Identify withDefaults(String messageId, Instant timestamp) {
    return new Identify(this, messageId, timestamp);
  }

  /** Needs a {@code userId} or an {@code anonymousId}. */
  public static final class Builder extends Message.Builder<Identify, Builder> {
    private Map<String, ?> traits;

    private Builder() {}

    /** What you know about the user: Segment's reserved traits and any others. */
    public Builder traits(Map<String, ?> traits) {
      this.traits = requireNonNull(traits, "traits");
      return this;
    }

    @Override
    Builder self() {
      return this;
    }

    @Override
    public Identify build() {
      requireUserOrAnonymousId("identify");
      return new Identify(this);
    }
  }
}
