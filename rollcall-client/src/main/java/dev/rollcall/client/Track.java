package dev.rollcall.client;

import java.time.Instant;
import java.util.Map;

/**
 * An action the user performed: Segment's {@code track} call.
 *
 * <pre>{@code
 * rollcall.enqueue(Track.builder("Plan Upgraded")
 *     .userId("97980cfea0067")
 *     .properties(Map.of("from", "free", "to", "pro"))
 *     .build());
 * }</pre>
 */
public final class Track extends Message {
  private final String event;
  private final Map<String, ?> properties;

  private Track(Builder builder) {
    super(builder);
    this.event = builder.event;
    this.properties = builder.properties;
  }

  private Track(Track from, String messageId, Instant timestamp) {
    super(
        from.userId(),
        from.anonymousId(),
        from.context(),
        from.integrations(),
        from.defaultTimestamp(timestamp),
        from.defaultMessageId(messageId));
    this.event = from.event;
    this.properties = from.properties;
  }

  /** A track of the event named {@code event} ({@code "Plan Upgraded"}). */
  public static Builder builder(String event) {
    return new Builder(requireText(event, "event"));
  }

  @Override
  public String type() {
    return "track";
  }

  /** The action's name. */
  public String event() {
    return event;
  }

  /** What describes the action, or null. */
  public Map<String, ?> properties() {
    return properties;
  }

  @Override
  Track withDefaults(String messageId, Instant timestamp) {
    return new Track(this, messageId, timestamp);
  }

  /** Needs a {@code userId} or an {@code anonymousId}. */
  public static final class Builder extends Message.Builder<Track, Builder> {
    private final String event;
    private Map<String, ?> properties;

    private Builder(String event) {
      this.event = event;
    }

    public Builder properties(Map<String, ?> properties) {
      this.properties = requireNonNull(properties, "properties");
      return this;
    }

    @Override
    Builder self() {
      return this;
    }

    @Override
    public Track build() {
      requireUserOrAnonymousId("track");
      return new Track(this);
    }
  }
}
