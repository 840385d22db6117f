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
          "CREATE INDEX events_person ON events (person_key)");

  /** Changes one row when the pair is new or its last sighting is older than the cutoff. */
  static final String DEDUP_UPSERT =
      "INSERT INTO dedup (source, message_id, received_at) VALUES (?, ?, ?)"
          + " ON CONFLICT (source, message_id) DO UPDATE SET received_at = excluded.received_at"
          + " WHERE dedup.received_at < ?";

  /** Deletes, among the oldest rows (by insertion), those older than the cutoff. */
  static final String DEDUP_PRUNE =
      "DELETE FROM dedup WHERE rowid IN (SELECT rowid FROM dedup ORDER BY rowid LIMIT ?)"
          + " AND received_at < ?";

  static final String INSERT_EVENT =
      "INSERT INTO events (source, message_id, person_key, type, received_at, body)"
          + " VALUES (?, ?, ?, ?, ?, ?)";

  static final String DELETE_PERSON = "DELETE FROM events WHERE person_key = ?";

  static final String READ =
      "SELECT offset, source, message_id, person_key, type, received_at, body FROM events"
          + " WHERE offset > ? ORDER BY offset LIMIT ?";
}
