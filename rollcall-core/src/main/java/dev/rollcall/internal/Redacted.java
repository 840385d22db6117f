package dev.rollcall.internal;

/**
 * An exception as it may be logged at the default level: its class and stack trace (where it
 * happened), without its message (what it was about), which may quote personal data or a secret — a
 * trait value in a parse error, a URL with a user id in it, a header with a token.
 *
 * <p>Log {@code Redacted.of(e)} at WARN or ERROR and {@code e} itself at DEBUG, where an operator
 * who needs the message turns it on ({@code ROLLCALL_LOG_LEVEL=DEBUG}).
 */
public final class Redacted extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private Redacted(Throwable original) {
    super(
        original.getClass().getName() + " (message hidden; logged at DEBUG)",
        original.getCause() == null || original.getCause() == original
            ? null
            : new Redacted(original.getCause()),
        false,
        true);
    setStackTrace(original.getStackTrace());
  }

  /** {@code e} without its message, nor its causes' messages; null for null. */
  public static Throwable of(Throwable e) {
    return e == null ? null : new Redacted(e);
  }

  @Override
  public String toString() {
    return getMessage();
  }
}
