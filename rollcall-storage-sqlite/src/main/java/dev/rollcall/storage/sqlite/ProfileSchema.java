package dev.rollcall.storage.sqlite;

import java.util.List;

/** The tables of the profile store file. */
final class ProfileSchema {
  private ProfileSchema() {}

  /** Each element upgrades the schema by one version; never edit one that has shipped. */
  static final List<String> MIGRATIONS =
      List.of(
          "CREATE TABLE profiles (id TEXT PRIMARY KEY, user_id TEXT) WITHOUT ROWID;"
              // ids: user_id, anonymous_id and email keys; ts/received_at/message_id is the
              // join stamp of an anonymous id, or the stamp of the call that last carried an email
              + "CREATE TABLE ids (kind TEXT NOT NULL, value TEXT NOT NULL, profile_id TEXT NOT NULL,"
              + " first_seen INTEGER NOT NULL, first_message_id TEXT,"
              + " ts INTEGER, received_at INTEGER, message_id TEXT,"
              + " PRIMARY KEY (kind, value)) WITHOUT ROWID;"
              + "CREATE INDEX ids_profile ON ids (profile_id);"
              // a profile's traits as one JSON document, {name: {"v": value, "t": timestamp,
              // "r": receivedAt, "m": messageId}}: one read and one write per call, however many
              // traits it sets
              + "CREATE TABLE traits (profile_id TEXT PRIMARY KEY, doc TEXT NOT NULL) WITHOUT ROWID;"
              + "CREATE TABLE calls (seq INTEGER PRIMARY KEY AUTOINCREMENT, profile_id TEXT NOT NULL,"
              + " source TEXT NOT NULL, message_id TEXT NOT NULL, type TEXT NOT NULL,"
              + " anonymous_only TEXT, ts INTEGER NOT NULL, body BLOB NOT NULL);"
              + "CREATE UNIQUE INDEX calls_message ON calls (source, message_id);"
              + "CREATE INDEX calls_profile ON calls (profile_id, ts, seq);"
              + "CREATE INDEX calls_anonymous ON calls (anonymous_only) WHERE anonymous_only IS NOT NULL;"
              + "CREATE TABLE suppressed (kind TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (kind, value)) WITHOUT ROWID;"
              + "CREATE TABLE checkpoint (id INTEGER PRIMARY KEY CHECK (id = 1), log_offset INTEGER NOT NULL);"
              + "INSERT INTO checkpoint (id, log_offset) VALUES (1, 0)",
          // Version 2: integer keys. A profile id is its rowid (shown as prf_ and 16 hex digits,
          // the text the ids of version 1 had, so they stay the same); every table and index keyed
          // by profile id holds 1 to 8 bytes instead of 20. The unique index on (source,
          // message_id), 50 bytes an entry in random order, becomes an index on a 64-bit hash of
          // the pair (MessageKey): a quarter of its pages, so each chunk of calls dirties fewer
          // pages; the applied check compares source and message_id on the rows it finds.
          "CREATE TABLE profiles_v2 (id INTEGER PRIMARY KEY, user_id TEXT);"
              + "INSERT INTO profiles_v2 (id, user_id) SELECT "
              + hexToInteger("id")
              + ", user_id FROM profiles;"
              + "DROP TABLE profiles;"
              + "ALTER TABLE profiles_v2 RENAME TO profiles;"
              + "CREATE TABLE ids_v2 (kind TEXT NOT NULL, value TEXT NOT NULL,"
              + " profile_id INTEGER NOT NULL, first_seen INTEGER NOT NULL, first_message_id TEXT,"
              + " ts INTEGER, received_at INTEGER, message_id TEXT,"
              + " PRIMARY KEY (kind, value)) WITHOUT ROWID;"
              + "INSERT INTO ids_v2 SELECT kind, value, "
              + hexToInteger("profile_id")
              + ", first_seen, first_message_id, ts, received_at, message_id FROM ids;"
              + "DROP TABLE ids;"
              + "ALTER TABLE ids_v2 RENAME TO ids;"
              + "CREATE INDEX ids_profile ON ids (profile_id);"
              + "CREATE TABLE traits_v2 (profile_id INTEGER PRIMARY KEY, doc TEXT NOT NULL);"
              + "INSERT INTO traits_v2 SELECT "
              + hexToInteger("profile_id")
              + ", doc FROM traits;"
              + "DROP TABLE traits;"
              + "ALTER TABLE traits_v2 RENAME TO traits;"
              + "CREATE TABLE calls_v2 (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
              + " profile_id INTEGER NOT NULL, message_key INTEGER NOT NULL,"
              + " source TEXT NOT NULL, message_id TEXT NOT NULL, type TEXT NOT NULL,"
              + " anonymous_only TEXT, ts INTEGER NOT NULL, body BLOB NOT NULL);"
              + "INSERT INTO calls_v2 SELECT seq, "
              + hexToInteger("profile_id")
              + ", rollcall_message_key(source, message_id), source, message_id, type,"
              + " anonymous_only, ts, body FROM calls ORDER BY seq;"
              // keep the sequence past every seq ever given, as AUTOINCREMENT promises
              + "DELETE FROM sqlite_sequence WHERE name = 'calls_v2';"
              + "INSERT INTO sqlite_sequence (name, seq)"
              + " SELECT 'calls_v2', seq FROM sqlite_sequence WHERE name = 'calls';"
              + "DROP TABLE calls;"
              + "ALTER TABLE calls_v2 RENAME TO calls;"
              + "CREATE INDEX calls_message ON calls (message_key);"
              + "CREATE INDEX calls_profile ON calls (profile_id, ts, seq);"
              + "CREATE INDEX calls_anonymous ON calls (anonymous_only) WHERE anonymous_only IS NOT NULL");

  /** The migrations' SQL function that computes {@link MessageKey#of} for the rows it copies. */
  static final String MESSAGE_KEY_FUNCTION = "rollcall_message_key";

  /**
   * SQL for the integer of a version 1 profile id, {@code prf_} and 16 hex digits (a sequence
   * number, or a random long in the first releases: two's complement, as Java formatted it).
   */
  private static String hexToInteger(String column) {
    StringBuilder sql = new StringBuilder("(");
    for (int i = 0; i < 16; i++) {
      if (i > 0) sql.append(" | ");
      sql.append("((instr('0123456789abcdef', lower(substr(")
          .append(column)
          .append(", ")
          .append(5 + i)
          .append(", 1))) - 1) << ")
          .append(4 * (15 - i))
          .append(')');
    }
    return sql.append(')').toString();
  }
}
