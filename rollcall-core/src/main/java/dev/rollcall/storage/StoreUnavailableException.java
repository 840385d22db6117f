package dev.rollcall.storage;

/**
 * The store cannot take writes now, but may later: a full disk, a read-only file, too much work
 * queued. Callers answer {@code 503} with {@code Retry-After}, so clients keep their data and
 * retry.
 */
public class StoreUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final boolean overloaded;

  public StoreUnavailableException(String message, Throwable cause, boolean overloaded) {
    super(message, cause);
    this.overloaded = overloaded;
  }

  /** True when the store is healthy but has more work queued than it takes at once. */
  public boolean overloaded() {
    return overloaded;
  }
}
