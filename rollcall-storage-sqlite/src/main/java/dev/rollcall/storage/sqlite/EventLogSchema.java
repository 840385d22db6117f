package dev.rollcall.storage.sqlite;

import java.util.List;

/** The tables of the event log file and the statements on them. */
final class EventLogSchema {
  private EventLogSchema() {}

  /** Each element upgrades the schema by one version; never edit one that has shipped. */
  static final List<String> MIGRATIONS =
      List.of(
          "CREATE TABLE events ("
              + " offset INTEGER PRIMARY KEY AUTOINCREMENT,"
              + " source TEXT NOT NULL,"
              + " message_id TEXT NOT NULL,"
              + " person_key TEXT NOT NULL,"
              + " type TEXT NOT NULL,"
              + " received_at INTEGER NOT NULL," // milliseconds since the epoch
              + " body BLOB NOT NULL);"
              + "CREATE TABLE dedup ("
              + " source TEXT NOT NULL,"
              + " message_id TEXT NOT NULL,"
              + " received_at INTEGER NOT NULL);"
              + "CREATE UNIQUE INDEX dedup_key ON dedup (source, message_id);",
          // deletions of a person look their calls up by person key
          "CREATE INDEX events_person ON events (person_key)",
          // the B-tree indexes on random keys (dedup_key, events_person) cost a random page per
          // call; one row of compact keys per commit replaces them (see RecentMessages, EventKeys)
          "DROP INDEX events_person;"
              + "DROP TABLE dedup;"
              + "CREATE TABLE event_keys ("
              + " last_offset INTEGER PRIMARY KEY," // the offset of the commit's last call
              + " committed_at INTEGER NOT NULL," // milliseconds since the epoch, the log's clock
              + " keys BLOB NOT NULL)");

  static final String INSERT_EVENT =
      "INSERT INTO events (source, message_id, person_key, type, received_at, body)"
          + " VALUES (?, ?, ?, ?, ?, ?)";

  /**
   * The last offset given out (AUTOINCREMENT keeps it, and never gives it again): the writer, the
   * only one to insert, numbers a commit's calls from it, which costs a statement per commit
   * instead of a {@code RETURNING} per call (2 µs each).
   */
  static final String LAST_OFFSET =
      "SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = 'events'";

  /** True when the call at an offset is the one with this source and messageId. */
  static final String IS_STORED_AT =
      "SELECT 1 FROM events WHERE offset = ? AND source = ? AND message_id = ?";

  static final String INSERT_KEYS =
      "INSERT INTO event_keys (last_offset, committed_at, keys) VALUES (?, ?, ?)";

  static final String KEYS_NEWEST_FIRST =
      "SELECT committed_at, keys FROM event_keys ORDER BY last_offset DESC";

  static final String ALL_KEYS = "SELECT keys FROM event_keys";

  static final String LAST_KEYED_OFFSET = "SELECT coalesce(max(last_offset), 0) FROM event_keys";

  /** The calls that no row of event_keys covers: those stored before the table existed. */
  static final String UNKEYED =
      "SELECT offset, source, message_id, person_key, received_at FROM events WHERE offset > ?"
          + " ORDER BY offset LIMIT ?";

  static final String DELETE_CALL = "DELETE FROM events WHERE offset = ? AND person_key = ?";

  static final String READ =
      "SELECT offset, source, message_id, person_key, type, received_at, body FROM events"
          + " WHERE offset > ? ORDER BY offset LIMIT ?";
}
