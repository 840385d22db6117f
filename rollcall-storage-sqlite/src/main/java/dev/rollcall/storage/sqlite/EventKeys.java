package dev.rollcall.storage.sqlite;

import java.nio.ByteBuffer;

/**
 * The keys of the calls one commit stored, as one row of table {@code event_keys}: for each call,
 * its offset, the hash of its (source, messageId) and a 32-bit hash of its person key, 20 bytes.
 *
 * <p>The log appends one such row per commit instead of keeping B-tree indexes on those columns,
 * which cost a random page per call (see {@link RecentMessages}). The rows are read back whole: the
 * recent ones to rebuild the de-duplication table after a restart, all of them to find a person's
 * calls when the person is deleted (a scan of 20 bytes a call, not of the calls).
 */
final class EventKeys {
  static final int BYTES_PER_CALL = 20;

  private final ByteBuffer buffer;

  private EventKeys(ByteBuffer buffer) {
    this.buffer = buffer;
  }

  /** A writer for up to {@code calls} calls. */
  static EventKeys writer(int calls) {
    return new EventKeys(ByteBuffer.allocate(calls * BYTES_PER_CALL));
  }

  /** A reader of a stored row's keys. */
  static EventKeys reader(byte[] keys) {
    return new EventKeys(ByteBuffer.wrap(keys));
  }

  void add(long offset, long messageHash, int personHash) {
    buffer.putLong(offset).putLong(messageHash).putInt(personHash);
  }

  boolean isEmpty() {
    return buffer.position() == 0;
  }

  /** The bytes written so far. */
  byte[] bytes() {
    byte[] bytes = new byte[buffer.position()];
    buffer.duplicate().flip().get(bytes);
    return bytes;
  }

  /** Calls each stored call's keys in order. */
  void forEach(Visitor visitor) {
    ByteBuffer read = buffer.duplicate();
    while (read.remaining() >= BYTES_PER_CALL) {
      visitor.call(read.getLong(), read.getLong(), read.getInt());
    }
  }

  /** The 32-bit hash of a person key that the rows hold. */
  static int personHash(String personKey) {
    return (int) (RecentMessages.hash("person", personKey) >>> 32);
  }

  interface Visitor {
    void call(long offset, long messageHash, int personHash);
  }
}
