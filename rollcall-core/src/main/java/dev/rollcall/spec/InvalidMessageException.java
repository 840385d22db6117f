package dev.rollcall.spec;

/** A message that breaks a rule of the spec; {@link #path()} names the field that does. */
public final class InvalidMessageException extends Exception {
  private static final long serialVersionUID = 1L;
  private final String path;
  private final String reason;

  public InvalidMessageException(String path, String reason) {
    super(path.isEmpty() ? reason : path + ": " + reason, null, false, false);
    this.path = path;
    this.reason = reason;
  }

  /** The field at fault, such as {@code traits}, or empty for the message as a whole. */
  public String path() {
    return path;
  }

  /** Why, for a person to read, such as {@code userId or anonymousId is required}. */
  public String reason() {
    return reason;
  }
}
