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
              + "INSERT INTO checkpoint (id, log_offset) VALUES (1, 0)");
}
