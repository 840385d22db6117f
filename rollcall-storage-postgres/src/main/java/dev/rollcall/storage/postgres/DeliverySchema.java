package dev.rollcall.storage.postgres;

import java.util.List;

/**
 * The tables of the delivery queues: those of the SQLite queue, plus the claim that keeps two
 * workers from sending one delivery ({@code claimed_by}, {@code claimed_until}).
 */
final class DeliverySchema {
  private DeliverySchema() {}

  /** The name of the queues' row in {@code rollcall_schema_version}. */
  static final String COMPONENT = "deliveries";

  /** Each element upgrades the schema by one version; never edit one that has shipped. */
  static final List<String> MIGRATIONS =
      List.of(
          "CREATE TABLE deliveries (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
              + " destination TEXT COLLATE \"C\" NOT NULL, person_key TEXT COLLATE \"C\" NOT NULL,"
              + " message_id TEXT COLLATE \"C\" NOT NULL, message BYTEA NOT NULL,"
              + " status TEXT COLLATE \"C\" NOT NULL, attempts INTEGER NOT NULL,"
              + " next_attempt_at BIGINT NOT NULL, last_error TEXT, updated_at BIGINT NOT NULL,"
              // the queue (one per process) whose worker has taken the delivery for a round, and
              // until when (ms since the epoch, the worker's clock); after that anyone may take it
              + " claimed_by TEXT COLLATE \"C\", claimed_until BIGINT NOT NULL DEFAULT 0);"
              // enqueue is INSERT ... ON CONFLICT DO NOTHING: a call is queued once per destination
              + "CREATE UNIQUE INDEX deliveries_message ON deliveries (destination, message_id);"
              // due: the open deliveries in id order, and the person-order check (an earlier open
              // delivery of the same person), both on open deliveries only
              + "CREATE INDEX deliveries_open ON deliveries (destination, id)"
              + " WHERE status IN ('PENDING', 'RETRYING');"
              + "CREATE INDEX deliveries_person_open ON deliveries (destination, person_key, id)"
              + " WHERE status IN ('PENDING', 'RETRYING');"
              // list and stats, by status
              + "CREATE INDEX deliveries_status ON deliveries (destination, status, id);"
              // forget: a deleted person's deliveries, whatever their status
              + "CREATE INDEX deliveries_person ON deliveries (person_key);"
              // updated_at: one value per transaction, increasing across every process
              + "CREATE SEQUENCE delivery_stamps;"
              // how far the embedded-style router has read a log with one sequence of offsets
              + "CREATE TABLE delivery_router (id INTEGER PRIMARY KEY CHECK (id = 1),"
              + " routed_up_to BIGINT NOT NULL);"
              + "INSERT INTO delivery_router (id, routed_up_to) VALUES (1, 0)");
}
