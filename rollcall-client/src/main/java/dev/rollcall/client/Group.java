package dev.rollcall.client;

import java.time.Instant;
import java.util.Map;

/**
 * Ties a user to a group (a company, an organization, an account): Segment's {@code group} call.
 *
 * <pre>{@code
 * rollcall.enqueue(Group.builder("initech")
 *     .userId("97980cfea0067")
 *     .traits(Map.of("name", "Initech", "employees", 329))
 *     .build());
 * }</pre>
 */
public final class Group extends Message {
  private final String groupId;
  private final Map<String, ?> traits;

  private Group(Builder builder) {
    super(builder);
    this.groupId = builder.groupId;
    this.traits = builder.traits;
  }

  private Group(Group from, String messageId, Instant timestamp) {
    super(
        from.userId(),
        from.anonymousId(),
        from.context(),
        from.integrations(),
        from.defaultTimestamp(timestamp),
        from.defaultMessageId(messageId));
    this.groupId = from.groupId;
    this.traits = from.traits;
  }

  /** A group call for the group whose id is {@code groupId}. */
  public static Builder builder(String groupId) {
    return new Builder(requireText(groupId, "groupId"));
  }

  @Override
  public String type() {
    return "group";
  }

  /** The group's id in your database. */
  public String groupId() {
    return groupId;
  }

  /** What you know about the group, or null. */
  public Map<String, ?> traits() {
    return traits;
  }

  @Override
  Group withDefaults(String messageId, Instant timestamp) {
    return new Group(this, messageId, timestamp);
  }

  /** Needs a {@code userId} or an {@code anonymousId}. */
  public static final class Builder extends Message.Builder<Group, Builder> {
    private final String groupId;
    private Map<String, ?> traits;

    private Builder(String groupId) {
      this.groupId = groupId;
    }

    /** What you know about the group: {@code name}, {@code industry}, {@code employees}, ... */
    public Builder traits(Map<String, ?> traits) {
      this.traits = requireNonNull(traits, "traits");
      return this;
    }

    @Override
    Builder self() {
      return this;
    }

    @Override
    public Group build() {
      requireUserOrAnonymousId("group");
      return new Group(this);
    }
  }
}
