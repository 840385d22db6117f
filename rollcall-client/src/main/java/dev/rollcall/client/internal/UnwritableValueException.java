package dev.rollcall.client.internal;

/** A value that cannot be written as JSON, with where it sits in the message. */
public final class UnwritableValueException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String problem;
  private String path = "";

  UnwritableValueException(String problem) {
    super(problem, null, false, false);
    this.problem = problem;
  }

  /** Puts {@code segment} ({@code traits}, {@code .address}, {@code [3]}) in front of the path. */
  UnwritableValueException under(String segment) {
    path = segment + path;
    return this;
  }

  /** Where the value sits: {@code traits.address.geo}. */
  public String path() {
    return path;
  }

  @Override
  public String getMessage() {
    return path + ": " + problem;
  }
}
