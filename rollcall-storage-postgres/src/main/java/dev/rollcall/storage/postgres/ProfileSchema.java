package dev.rollcall.storage.postgres;

import java.util.List;

/**
 * The tables of the profile store: the same as on SQLite, in PostgreSQL's types.
 *
 * <p>Ids and the messageIds that break ties between stamps are {@code COLLATE "C"}: compared byte
 * by byte, as SQLite compares them, whatever the database's locale, so that which call is the later
 * one does not depend on where the database was created.
 */
final class ProfileSchema {
  private ProfileSchema() {}

  /** The name of the profile store's row in {@code rollcall_schema_version}. */
  static final String COMPONENT = "profiles";

  /** Each element upgrades the schema by one version; never edit one that has shipped. */
  static final List<String> MIGRATIONS =
      List.of(
          "CREATE TABLE profiles (id TEXT COLLATE \"C\" PRIMARY KEY, user_id TEXT COLLATE \"C\");"
              // ids: user_id, anonymous_id and email keys; ts/received_at/message_id is the
              // join stamp of an anonymous id, or the stamp of the call that last carried an email
              + "CREATE TABLE ids (kind TEXT COLLATE \"C\" NOT NULL, value TEXT COLLATE \"C\" NOT NULL,"
              + " profile_id TEXT COLLATE \"C\" NOT NULL,"
              + " first_seen BIGINT NOT NULL, first_message_id TEXT COLLATE \"C\","
              + " ts BIGINT, received_at BIGINT, message_id TEXT COLLATE \"C\","
              + " PRIMARY KEY (kind, value));"
              + "CREATE INDEX ids_profile ON ids (profile_id);"
              // one row per trait; value is its JSON as text, which keeps numbers exactly as sent
              // (jsonb would rewrite 1.10 as 1.1)
              + "CREATE TABLE traits (profile_id TEXT COLLATE \"C\" NOT NULL, name TEXT COLLATE \"C\" NOT NULL,"
              + " value TEXT NOT NULL, ts BIGINT NOT NULL, received_at BIGINT NOT NULL,"
              + " message_id TEXT COLLATE \"C\" NOT NULL, PRIMARY KEY (profile_id, name));"
              + "CREATE TABLE calls (seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
              + " profile_id TEXT COLLATE \"C\" NOT NULL, source TEXT COLLATE \"C\" NOT NULL,"
              + " message_id TEXT COLLATE \"C\" NOT NULL, type TEXT COLLATE \"C\" NOT NULL,"
              + " anonymous_only TEXT COLLATE \"C\", ts BIGINT NOT NULL, body BYTEA NOT NULL);"
              + "CREATE UNIQUE INDEX calls_message ON calls (source, message_id);"
              + "CREATE INDEX calls_profile ON calls (profile_id, ts, seq);"
              + "CREATE INDEX calls_anonymous ON calls (anonymous_only) WHERE anonymous_only IS NOT NULL;"
              + "CREATE TABLE suppressed (kind TEXT COLLATE \"C\" NOT NULL, value TEXT COLLATE \"C\" NOT NULL,"
              + " PRIMARY KEY (kind, value));"
              + "CREATE TABLE checkpoint (id INTEGER PRIMARY KEY CHECK (id = 1), log_offset BIGINT NOT NULL);"
              + "INSERT INTO checkpoint (id, log_offset) VALUES (1, 0)",
          // the next offset to apply of each partition of a log in partitions (Kafka), moved in
          // the transaction that applies the partition's entries
          "CREATE TABLE log_offsets (log TEXT COLLATE \"C\" NOT NULL, partition_id INTEGER NOT NULL,"
              + " next_offset BIGINT NOT NULL, PRIMARY KEY (log, partition_id))");
}
