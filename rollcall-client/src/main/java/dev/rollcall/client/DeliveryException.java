package dev.rollcall.client;

/**
 * Why a message was not delivered, as given to {@link Callback#failure}. The client never throws
 * it: a delivery problem is reported, not raised in the application's thread.
 */
public final class DeliveryException extends Exception {
  private static final long serialVersionUID = 1L;

  /** What went wrong. */
  public enum Reason {
    /** The queue held {@code maxQueueSize} messages; this one was dropped when enqueued. */
    QUEUE_FULL,
    /** The message's JSON is over Segment's limit of 32 KB; it was not sent. */
    TOO_LARGE,
    /** A value in the message cannot be written as JSON (the message says which and where). */
    UNWRITABLE,
    /**
     * The server refused the message and a retry would not help: a 4xx other than 408 and 429, a
     * 501, 505 or 511, or Rollcall's per-message rejection in a batch.
     */
    REJECTED,
    /**
     * Network errors or retryable statuses (408, 429, other 5xx) lasted past {@code maxRetries} or
     * {@code maxTotalBackoff}.
     */
    RETRIES_EXHAUSTED,
    /**
     * The client was closed before the message could be delivered (enqueued after {@code close()},
     * or still pending when its timeout ran out; the server may have received it).
     */
    CLOSED
  }

  private final Reason reason;
  private final int statusCode;

  /**
   * @param statusCode the HTTP status of the last response, or 0 when there was none
   */
  public DeliveryException(Reason reason, int statusCode, String message, Throwable cause) {
    // no stack trace: the failure is the client's state, not the caller's, and a full queue can
    // report many of these quickly
    super(message, cause, false, false);
    if (reason == null) {
      throw new NullPointerException("reason == null");
    }
    this.reason = reason;
    this.statusCode = statusCode;
  }

  public Reason reason() {
    return reason;
  }

  /** The HTTP status of the last response for the message, or 0 when none was received. */
  public int statusCode() {
    return statusCode;
  }
}
