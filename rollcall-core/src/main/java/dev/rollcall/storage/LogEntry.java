package dev.rollcall.storage;

import dev.rollcall.Message;
import dev.rollcall.MessageType;

/**
 * One accepted call as the event log keeps it: the normalized message's JSON and the few fields the
 * log indexes.
 */
public final class LogEntry {
  private final long offset;
  private final String sourceId;
  private final String messageId;
  private final String personKey;
  private final MessageType type;
  private final long receivedAtMillis;
  private final byte[] json;

  /**
   * @param offset the entry's place in the log, or {@code -1} before it is appended
   * @param receivedAtMillis when the collector received the call, in milliseconds since the epoch
   */
  public LogEntry(
      long offset,
      String sourceId,
      String messageId,
      String personKey,
      MessageType type,
      long receivedAtMillis,
      byte[] json) {
    if (sourceId == null) throw new NullPointerException("sourceId == null");
    if (messageId == null) throw new NullPointerException("messageId == null");
    if (personKey == null) throw new NullPointerException("personKey == null");
    if (type == null) throw new NullPointerException("type == null");
    if (json == null) throw new NullPointerException("json == null");
    this.offset = offset;
    this.sourceId = sourceId;
    this.messageId = messageId;
    this.personKey = personKey;
    this.type = type;
    this.receivedAtMillis = receivedAtMillis;
    this.json = json;
  }

  /** A new entry for {@code message}, received from the source {@code sourceId}. */
  public static LogEntry of(String sourceId, Message message) {
    return new LogEntry(
        -1,
        sourceId,
        message.messageId(),
        message.personKey(),
        message.type(),
        message.receivedAt().toEpochMilli(),
        message.toJson());
  }

  public long offset() {
    return offset;
  }

  public String sourceId() {
    return sourceId;
  }

  public String messageId() {
    return messageId;
  }

  /** The person's best-known id ({@code userId}, else {@code anonymousId}); orders the log. */
  public String personKey() {
    return personKey;
  }

  public MessageType type() {
    return type;
  }

  public long receivedAtMillis() {
    return receivedAtMillis;
  }

  /** The normalized message as UTF-8 JSON. Do not modify. */
  public byte[] json() {
    return json;
  }
}
