package dev.rollcall.server.console;

import dev.rollcall.MessageType;
import dev.rollcall.spec.Warning;
import java.util.List;

/**
 * One call as the live debugger shows it: what was sent, what Rollcall made of it, and what became
 * of it. Built by the collector with references it already holds (the normalized JSON is the very
 * array the event log stores), so publishing costs no serialization; the JSON for the console is
 * made by the reader, off the collector's path.
 *
 * @param seq the feed's sequence number, from 1
 * @param receivedAtMillis when the collector took the request, in ms since the epoch
 * @param status {@code accepted} (stored in the event log), {@code rejected}, or {@code deleted}
 *     (its person was deleted since: {@link #forgotten})
 * @param endpoint the tracking endpoint's name ({@code identify}, {@code batch}, ...)
 * @param sourceId the source of the write key, or null when the key was missing or unknown
 * @param type the call's type, or null when it could not be read
 * @param raw the message as sent (one item of a batch), UTF-8; may be cut short or null
 * @param normalized the stored message, UTF-8 JSON, or null when rejected
 * @param httpStatus the status the request was answered with
 */
public record FeedEntry(
    long seq,
    long receivedAtMillis,
    String status,
    String endpoint,
    String sourceId,
    MessageType type,
    String userId,
    String anonymousId,
    String messageId,
    byte[] raw,
    byte[] normalized,
    List<Warning> warnings,
    String error,
    String path,
    int httpStatus) {

  public boolean rejected() {
    return "rejected".equals(status);
  }

  /**
   * This entry with nothing of the person left: no ids, no bodies, no warnings, status {@code
   * deleted}; its place in the feed (sequence number, time, endpoint, source, type) stays.
   */
  FeedEntry forgotten() {
    return new FeedEntry(
        seq,
        receivedAtMillis,
        "deleted",
        endpoint,
        sourceId,
        type,
        null,
        null,
        null,
        null,
        null,
        List.of(),
        null,
        null,
        httpStatus);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Collects an entry's fields on the collector's path; the feed numbers it. */
  public static final class Builder {
    private long receivedAtMillis;
    private String status = "accepted";
    private String endpoint;
    private String sourceId;
    private MessageType type;
    private String userId;
    private String anonymousId;
    private String messageId;
    private byte[] raw;
    private byte[] normalized;
    private List<Warning> warnings = List.of();
    private String error;
    private String path;
    private int httpStatus = 200;

    public Builder receivedAtMillis(long receivedAtMillis) {
      this.receivedAtMillis = receivedAtMillis;
      return this;
    }

    public Builder endpoint(String endpoint) {
      this.endpoint = endpoint;
      return this;
    }

    public Builder sourceId(String sourceId) {
      this.sourceId = sourceId;
      return this;
    }

    public Builder message(
        MessageType type, String userId, String anonymousId, String messageId, byte[] normalized) {
      this.type = type;
      this.userId = userId;
      this.anonymousId = anonymousId;
      this.messageId = messageId;
      this.normalized = normalized;
      return this;
    }

    public Builder type(MessageType type) {
      this.type = type;
      return this;
    }

    public Builder raw(byte[] raw) {
      this.raw = raw;
      return this;
    }

    public Builder warnings(List<Warning> warnings) {
      this.warnings = warnings;
      return this;
    }

    /** Marks the call rejected, with the reason, the field at fault and the HTTP status. */
    public Builder rejected(String error, String path, int httpStatus) {
      this.status = "rejected";
      this.error = error;
      this.path = path;
      this.httpStatus = httpStatus;
      return this;
    }

    /** The request's answer, when it is not a 200 (a store that cannot write: 503). */
    public Builder httpStatus(int httpStatus) {
      this.httpStatus = httpStatus;
      return this;
    }

    FeedEntry build(long seq) {
      return new FeedEntry(
          seq,
          receivedAtMillis,
          status,
          endpoint,
          sourceId,
          type,
          userId,
          anonymousId,
          messageId,
          raw,
          normalized,
          warnings,
          error,
          path,
          httpStatus);
    }
  }
}
