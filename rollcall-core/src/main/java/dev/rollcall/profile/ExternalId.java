package dev.rollcall.profile;

import java.util.Locale;
import java.util.Objects;

/**
 * An id written the way Segment's Profile API writes them: {@code user_id:97980cfea0067}, {@code
 * anonymous_id:507f191e810c19729de860ea}, {@code email:peter@initech.com}. Emails are compared in
 * lower case; the other ids exactly.
 */
public final class ExternalId {
  private final IdKind kind;
  private final String value;

  private ExternalId(IdKind kind, String value) {
    this.kind = kind;
    this.value = value;
  }

  public static ExternalId of(IdKind kind, String value) {
    if (kind == null) throw new NullPointerException("kind == null");
    if (value == null) throw new NullPointerException("value == null");
    if (value.isEmpty()) throw new IllegalArgumentException("value is empty");
    return new ExternalId(
        kind, kind == IdKind.EMAIL ? value.trim().toLowerCase(Locale.ROOT) : value);
  }

  /**
   * Parses {@code kind:value}.
   *
   * @throws IllegalArgumentException naming what is wrong, for a 400
   */
  public static ExternalId parse(String text) {
    int colon = text.indexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException(
          "an external id is kind:value, with kind user_id, anonymous_id or email; got " + text);
    }
    IdKind kind = IdKind.ofPrefix(text.substring(0, colon));
    if (kind == null) {
      throw new IllegalArgumentException(
          "unknown kind of id "
              + text.substring(0, colon)
              + "; use user_id, anonymous_id or email");
    }
    String value = text.substring(colon + 1);
    if (value.isEmpty()) {
      throw new IllegalArgumentException("the id after " + kind.prefix() + ": is empty");
    }
    return of(kind, value);
  }

  public IdKind kind() {
    return kind;
  }

  public String value() {
    return value;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ExternalId
        && ((ExternalId) o).kind == kind
        && ((ExternalId) o).value.equals(value);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, value);
  }

  @Override
  public String toString() {
    return kind.prefix() + ":" + value;
  }
}
