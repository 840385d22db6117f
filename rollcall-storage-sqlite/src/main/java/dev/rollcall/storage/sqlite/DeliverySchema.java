package dev.rollcall.storage.sqlite;

import java.util.List;

/** The tables of the delivery queue file. */
final class DeliverySchema {
  private DeliverySchema() {}

  /** Each element upgrades the schema by one version; never edit one that has shipped. */
  static final List<String> MIGRATIONS =
      List.of(
          "CREATE TABLE deliveries (id INTEGER PRIMARY KEY AUTOINCREMENT,"
              + " destination TEXT NOT NULL, person_key TEXT NOT NULL, message_id TEXT NOT NULL,"
              + " message BLOB NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL,"
              + " next_attempt_at INTEGER NOT NULL, last_error TEXT, updated_at INTEGER NOT NULL);"
              // enqueue is INSERT OR IGNORE: a call is queued once per destination
              + "CREATE UNIQUE INDEX deliveries_message ON deliveries (destination, message_id);"
              + "CREATE INDEX deliveries_due ON deliveries (destination, status, next_attempt_at);"
              // the person-order check: an earlier open delivery of the same person
              + "CREATE INDEX deliveries_person ON deliveries (destination, person_key, id)",
          // how far the router has read the event log; moves in the enqueue's transaction
          "CREATE TABLE router (id INTEGER PRIMARY KEY CHECK (id = 1),"
              + " routed_up_to INTEGER NOT NULL); INSERT INTO router VALUES (1, 0)",
          // due: the open deliveries in id order, so a round reads its head without sorting the
          // whole backlog
          "CREATE INDEX deliveries_open ON deliveries (destination, id)"
              + " WHERE status IN ('PENDING', 'RETRYING')");
}
