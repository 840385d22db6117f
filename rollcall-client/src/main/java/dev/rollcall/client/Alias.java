package dev.rollcall.client;

import java.time.Instant;

/**
 * Merges two identities of one user: Segment's {@code alias} call, from {@code previousId} (an
 * anonymous id or an old user id) to {@code userId}.
 *
 * <pre>{@code
 * rollcall.enqueue(Alias.builder("507f191e810c19729de860ea").userId("97980cfea0067").build());
 * }</pre>
 */
public final class Alias extends Message {
  private final String previousId;

  private Alias(Builder builder) {
    super(builder);
    this.previousId = builder.previousId;
  }

  private Alias(Alias from, String messageId, Instant timestamp) {
    super(
        from.userId(),
        from.anonymousId(),
        from.context(),
        from.integrations(),
        from.defaultTimestamp(timestamp),
        from.defaultMessageId(messageId));
    this.previousId = from.previousId;
  }

  /** An alias from {@code previousId}, the id the user was known by until now. */
  public static Builder builder(String previousId) {
    return new Builder(requireText(previousId, "previousId"));
  }

  @Override
  public String type() {
    return "alias";
  }

  /** The id the user was known by until now. */
  public String previousId() {
    return previousId;
  }

  @Override
  Alias withDefaults(String messageId, Instant timestamp) {
    return new Alias(this, messageId, timestamp);
  }

  /** Needs the new {@code userId}. */
  public static final class Builder extends Message.Builder<Alias, Builder> {
    private final String previousId;

    private Builder(String previousId) {
      this.previousId = previousId;
    }

    @Override
    Builder self() {
      return this;
    }

    @Override
    public Alias build() {
      if (userId == null) {
        throw new IllegalStateException("userId == null: alias needs the new id");
      }
      return new Alias(this);
    }
  }
}
