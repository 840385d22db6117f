package dev.rollcall.storage.sqlite;

import java.sql.Connection;
import java.sql.SQLException;
import org.sqlite.Function;

/**
 * A 64-bit key for a call's (source, messageId), which the profile store indexes instead of the
 * pair itself: 8 bytes an index entry instead of about 50, so the index of every call ever applied
 * has a quarter of the pages, and each chunk's inserts (in random order: messageIds are mostly
 * UUIDs) dirty fewer of them. Two pairs may share a key; whoever looks a pair up compares source
 * and messageId on the rows the key finds.
 *
 * <p>The function is stored (every row of {@code calls} holds its key): never change it. It is
 * FNV-1a over the UTF-16 code units of the source, a 0 unit and the messageId, then MurmurHash3's
 * 64-bit finalizer, so that keys that differ in a few characters spread over the whole index.
 */
final class MessageKey {
  private static final long FNV_OFFSET = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;

  private MessageKey() {}

  static long of(String source, String messageId) {
    long h = FNV_OFFSET;
    for (int i = 0; i < source.length(); i++) {
      h = (h ^ source.charAt(i)) * FNV_PRIME;
    }
    h *= FNV_PRIME; // the 0 between the two
    for (int i = 0; i < messageId.length(); i++) {
      h = (h ^ messageId.charAt(i)) * FNV_PRIME;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }

  /** Makes {@link #of} callable from SQL on this connection, for the migrations that copy calls. */
  static void register(Connection connection) throws SQLException {
    Function.create(
        connection,
        ProfileSchema.MESSAGE_KEY_FUNCTION,
        new Function() {
          @Override
          protected void xFunc() throws SQLException {
            if (args() != 2) throw new SQLException("rollcall_message_key(source, message_id)");
            result(of(value_text(0), value_text(1)));
          }
        },
        Function.FLAG_DETERMINISTIC);
  }
}
