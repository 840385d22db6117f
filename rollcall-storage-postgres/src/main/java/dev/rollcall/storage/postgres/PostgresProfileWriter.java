package dev.rollcall.storage.postgres;

import dev.rollcall.internal.Json;
import dev.rollcall.profile.ExternalId;
import dev.rollcall.profile.IdKind;
import dev.rollcall.profile.ProfileWriter;
import dev.rollcall.profile.Stamp;
import dev.rollcall.profile.TraitValue;
import dev.rollcall.storage.LogEntry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@link ProfileWriter} on one connection, inside the transaction {@link
 * PostgresProfileStore#write} opened on it. The statements are those of the SQLite store, in
 * PostgreSQL's dialect.
 */
final class PostgresProfileWriter implements ProfileWriter {
  /**
   * The new sighting's stamp is later than the stored one: row values compare in order, and
   * message_id is COLLATE "C", so this is {@link Stamp}'s order. A null stamp is never later.
   */
  private static final String LATER =
      "(excluded.ts, excluded.received_at, excluded.message_id) > (ids.ts, ids.received_at, ids.message_id)";

  private final Connection connection;
  private final PersonLocks locks;

  /** Whether any id is suppressed, read once per transaction; null until read. */
  private Boolean anySuppressed;

  /** The traits last read or written, by profile: a call reads them and then writes them. */
  private String cachedProfile;

  private Map<String, TraitValue> cachedTraits;

  PostgresProfileWriter(Connection connection, PersonLocks locks) {
    this.connection = connection;
    this.locks = locks;
  }

  /** The connection of the transaction, for other writes that must commit with it. */
  Connection connection() {
    return connection;
  }

  @Override
  public boolean applied(String sourceId, String messageId) {
    return query(
        c ->
            Sql.one(
                    c,
                    "SELECT 1 FROM calls WHERE source = ? AND message_id = ?",
                    sourceId,
                    messageId)
                != null);
  }

  @Override
  public boolean suppressed(ExternalId id) {
    // Asked of the table, not of a flag cached in this process: another Rollcall on the same
    // database may have suppressed ids since. But not twice per call in a transaction when no one
    // is suppressed (the common case): suppressing takes the store's write lock exclusively, and
    // this transaction holds it shared, so the table cannot change until it ends.
    if (anySuppressed == null) {
      anySuppressed = query(c -> (Boolean) Sql.one(c, "SELECT EXISTS (SELECT 1 FROM suppressed)"));
    }
    if (!anySuppressed) return false;
    return query(
        c ->
            Sql.one(
                    c,
                    "SELECT 1 FROM suppressed WHERE kind = ? AND value = ?",
                    id.kind().prefix(),
                    id.value())
                != null);
  }

  @Override
  public String owner(ExternalId id) {
    return query(
        c -> {
          if (id.kind() == IdKind.EMAIL) {
            return owner(c, id); // a lookup key, not a person: see the store's class comment
          }
          locks.person(id);
          String profile = owner(c, id);
          if (profile != null) locks.profile(profile);
          return profile;
        });
  }

  static String owner(Connection c, ExternalId id) throws SQLException {
    return (String)
        Sql.one(
            c,
            "SELECT profile_id FROM ids WHERE kind = ? AND value = ?",
            id.kind().prefix(),
            id.value());
  }

  @Override
  public String userIdOf(String profileId) {
    return query(
        c -> {
          locks.profile(profileId);
          return (String) Sql.one(c, "SELECT user_id FROM profiles WHERE id = ?", profileId);
        });
  }

  @Override
  public Stamp joinStamp(String anonymousId) {
    return query(
        c -> {
          locks.person(ExternalId.of(IdKind.ANONYMOUS_ID, anonymousId));
          try (PreparedStatement statement =
                  Sql.bind(
                      c,
                      "SELECT ts, received_at, message_id FROM ids WHERE kind = 'anonymous_id' AND value = ?",
                      anonymousId);
              ResultSet rows = statement.executeQuery()) {
            if (!rows.next() || rows.getString(3) == null) {
              return null;
            }
            return new Stamp(rows.getLong(1), rows.getLong(2), rows.getString(3));
          }
        });
  }

  @Override
  public String createProfile(String userId) {
    String id = newProfileId();
    query(c -> Sql.update(c, "INSERT INTO profiles (id, user_id) VALUES (?, ?)", id, userId));
    return id;
  }

  @Override
  public void setUserId(String profileId, String userId) {
    query(
        c -> {
          locks.profile(profileId);
          locks.person(ExternalId.of(IdKind.USER_ID, userId));
          return Sql.update(c, "UPDATE profiles SET user_id = ? WHERE id = ?", userId, profileId);
        });
  }

  @Override
  public void putId(
      ExternalId id, String profileId, long seenAtMillis, String messageId, Stamp stamp) {
    Long ts = stamp == null ? null : stamp.timestamp();
    Long receivedAt = stamp == null ? null : stamp.receivedAt();
    String stampId = stamp == null ? null : stamp.messageId();
    // An email belongs to the profile of the latest call that carried it: its owner and stamp
    // move only for a later stamp. The other ids follow the caller, which decided already.
    String update =
        id.kind() == IdKind.EMAIL
            ? " profile_id = CASE WHEN "
                + LATER
                + " THEN excluded.profile_id ELSE ids.profile_id END,"
                + " ts = CASE WHEN "
                + LATER
                + " THEN excluded.ts ELSE ids.ts END,"
                + " received_at = CASE WHEN "
                + LATER
                + " THEN excluded.received_at ELSE ids.received_at END,"
                + " message_id = CASE WHEN "
                + LATER
                + " THEN excluded.message_id ELSE ids.message_id END,"
            : " profile_id = excluded.profile_id, ts = excluded.ts, received_at = excluded.received_at,"
                + " message_id = excluded.message_id,";
    query(
        c -> {
          if (id.kind() != IdKind.EMAIL) locks.person(id);
          locks.profile(profileId);
          return Sql.update(
              c,
              "INSERT INTO ids (kind, value, profile_id, first_seen, first_message_id, ts, received_at, message_id)"
                  + " VALUES (?, ?, ?, ?, ?, ?::bigint, ?::bigint, ?) ON CONFLICT (kind, value) DO UPDATE SET"
                  + update
                  + " first_message_id = CASE WHEN excluded.first_seen < ids.first_seen THEN excluded.first_message_id ELSE ids.first_message_id END,"
                  + " first_seen = LEAST(ids.first_seen, excluded.first_seen)",
              id.kind().prefix(),
              id.value(),
              profileId,
              seenAtMillis,
              messageId,
              ts,
              receivedAt,
              stampId);
        });
  }

  @Override
  public void addEvent(String profileId, LogEntry entry, String anonymousOnlyId, Stamp stamp) {
    query(
        c -> {
          locks.profile(profileId);
          return Sql.update(
              c,
              "INSERT INTO calls (profile_id, source, message_id, type, anonymous_only, ts, body)"
                  + " VALUES (?, ?, ?, ?, ?, ?, ?)",
              profileId,
              entry.sourceId(),
              entry.messageId(),
              entry.type().wireName(),
              anonymousOnlyId,
              stamp.timestamp(),
              entry.json());
        });
  }

  @Override
  public Map<String, TraitValue> traits(String profileId) {
    if (!profileId.equals(cachedProfile)) {
      cachedTraits =
          query(
              c -> {
                locks.profile(profileId);
                return readTraits(c, profileId);
              });
      cachedProfile = profileId;
    }
    return new HashMap<>(cachedTraits);
  }

  static Map<String, TraitValue> readTraits(Connection c, String profileId) throws SQLException {
    Map<String, TraitValue> traits = new HashMap<>();
    try (PreparedStatement statement =
            Sql.bind(
                c,
                "SELECT name, value, ts, received_at, message_id FROM traits WHERE profile_id = ?",
                profileId);
        ResultSet rows = statement.executeQuery()) {
      while (rows.next()) {
        traits.put(
            rows.getString(1),
            new TraitValue(
                parseJson(rows.getString(2)),
                new Stamp(rows.getLong(3), rows.getLong(4), rows.getString(5))));
      }
    }
    return traits;
  }

  @Override
  public void putTraits(String profileId, Map<String, TraitValue> traits) {
    if (traits.isEmpty()) {
      return;
    }
    Map<String, TraitValue> all = traits(profileId);
    upsertTraits(profileId, traits);
    all.putAll(traits);
    cachedProfile = profileId;
    cachedTraits = all;
  }

  @Override
  public void replaceTraits(String profileId, Map<String, TraitValue> traits) {
    query(
        c -> {
          locks.profile(profileId);
          return Sql.update(c, "DELETE FROM traits WHERE profile_id = ?", profileId);
        });
    upsertTraits(profileId, traits);
    cachedProfile = profileId;
    cachedTraits = new HashMap<>(traits);
  }

  /** Writes the traits in one statement, however many there are: one round trip. */
  private void upsertTraits(String profileId, Map<String, TraitValue> traits) {
    if (traits.isEmpty()) {
      return;
    }
    int n = traits.size();
    String[] names = new String[n];
    String[] values = new String[n];
    Long[] timestamps = new Long[n];
    Long[] receivedAts = new Long[n];
    String[] messageIds = new String[n];
    int i = 0;
    for (Map.Entry<String, TraitValue> trait : traits.entrySet()) {
      Stamp stamp = trait.getValue().stamp();
      names[i] = trait.getKey();
      values[i] = Json.writeString(trait.getValue().value());
      timestamps[i] = stamp.timestamp();
      receivedAts[i] = stamp.receivedAt();
      messageIds[i] = stamp.messageId();
      i++;
    }
    query(
        c ->
            Sql.update(
                c,
                "INSERT INTO traits (profile_id, name, value, ts, received_at, message_id)"
                    + " SELECT ?, t.* FROM unnest(?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::text[]) AS t"
                    + " ON CONFLICT (profile_id, name) DO UPDATE SET value = excluded.value, ts = excluded.ts,"
                    + " received_at = excluded.received_at, message_id = excluded.message_id",
                profileId,
                c.createArrayOf("text", names),
                c.createArrayOf("text", values),
                c.createArrayOf("bigint", timestamps),
                c.createArrayOf("bigint", receivedAts),
                c.createArrayOf("text", messageIds)));
  }

  @Override
  public void absorb(String from, String into) {
    cachedProfile = null;
    query(
        c -> {
          locks.profile(from);
          locks.profile(into);
          Sql.update(c, "UPDATE ids SET profile_id = ? WHERE profile_id = ?", into, from);
          Sql.update(c, "UPDATE calls SET profile_id = ? WHERE profile_id = ?", into, from);
          Sql.update(c, "DELETE FROM traits WHERE profile_id = ?", from);
          return Sql.update(c, "DELETE FROM profiles WHERE id = ?", from);
        });
  }

  @Override
  public void moveAnonymous(String anonymousId, String from, String into, Stamp joinStamp) {
    cachedProfile = null;
    query(
        c -> {
          locks.person(ExternalId.of(IdKind.ANONYMOUS_ID, anonymousId));
          locks.profile(from);
          locks.profile(into);
          Sql.update(
              c,
              "UPDATE ids SET profile_id = ? WHERE kind = 'email' AND profile_id = ? AND message_id IN"
                  + " (SELECT message_id FROM calls WHERE profile_id = ? AND anonymous_only = ?)",
              into,
              from,
              from,
              anonymousId);
          Sql.update(
              c,
              "UPDATE calls SET profile_id = ? WHERE profile_id = ? AND anonymous_only = ?",
              into,
              from,
              anonymousId);
          return Sql.update(
              c,
              "UPDATE ids SET profile_id = ?, ts = ?, received_at = ?, message_id = ?"
                  + " WHERE kind = 'anonymous_id' AND value = ?",
              into,
              joinStamp.timestamp(),
              joinStamp.receivedAt(),
              joinStamp.messageId(),
              anonymousId);
        });
  }

  @Override
  public List<byte[]> identifyEvents(String profileId) {
    return query(
        c -> {
          locks.profile(profileId);
          List<byte[]> events = new ArrayList<>();
          try (PreparedStatement statement =
                  Sql.bind(
                      c,
                      "SELECT body FROM calls WHERE profile_id = ? AND type = 'identify'",
                      profileId);
              ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
              events.add(rows.getBytes(1));
            }
          }
          return events;
        });
  }

  @Override
  public void setCheckpoint(long offset) {
    query(c -> Sql.update(c, "UPDATE checkpoint SET log_offset = ? WHERE id = 1", offset));
  }

  @Override
  public boolean movePartitionOffset(String log, int partition, long expected, long next) {
    return query(
        c -> {
          // the UPDATE locks the partition's row until the transaction ends: another processor
          // moving the same partition waits here, then finds it moved and gives up
          int moved =
              Sql.update(
                  c,
                  "UPDATE log_offsets SET next_offset = ? WHERE log = ? AND partition_id = ?"
                      + " AND next_offset = ?",
                  next,
                  log,
                  partition,
                  expected);
          if (moved == 0 && expected == 0) {
            moved =
                Sql.update(
                    c,
                    "INSERT INTO log_offsets (log, partition_id, next_offset) VALUES (?, ?, ?)"
                        + " ON CONFLICT DO NOTHING",
                    log,
                    partition,
                    next);
          }
          return moved == 1;
        });
  }

  private static String newProfileId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    return String.format("prf_%016x", random.nextLong());
  }

  static com.fasterxml.jackson.databind.JsonNode parseJson(String json) {
    try {
      return Json.MAPPER.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException("a stored trait is not JSON", e);
    }
  }

  private <T> T query(Sql.Work<T> work) {
    return Sql.query(connection, work);
  }
}
