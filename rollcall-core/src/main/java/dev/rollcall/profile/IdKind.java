package dev.rollcall.profile;

/** The kinds of id a person is known by, spelled as Segment's Profile API spells them. */
public enum IdKind {
  USER_ID("user_id"),
  ANONYMOUS_ID("anonymous_id"),
  EMAIL("email");

  private final String prefix;

  IdKind(String prefix) {
    this.prefix = prefix;
  }

  /** {@code user_id}, {@code anonymous_id} or {@code email}. */
  public String prefix() {
    return prefix;
  }

  /** The kind for a prefix, or null. */
  public static IdKind ofPrefix(String prefix) {
    for (IdKind kind : values()) {
      if (kind.prefix.equals(prefix)) {
        return kind;
      }
    }
    return null;
  }
}
