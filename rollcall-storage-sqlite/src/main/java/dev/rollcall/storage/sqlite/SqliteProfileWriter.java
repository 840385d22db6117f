package dev.rollcall.storage.sqlite;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rollcall.internal.Json;
import dev.rollcall.profile.ExternalId;
import dev.rollcall.profile.IdKind;
import dev.rollcall.profile.ProfileWriter;
import dev.rollcall.profile.Stamp;
import dev.rollcall.profile.TraitValue;
import dev.rollcall.storage.LogEntry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** {@link ProfileWriter} on the profile store's write connection, inside its open transaction. */
final class SqliteProfileWriter implements ProfileWriter {
  /**
   * The new sighting's stamp is later than the stored one (SQLite compares row values in order).
   */
  private static final String LATER =
      "(excluded.ts, excluded.received_at, excluded.message_id) > (ids.ts, ids.received_at, ids.message_id)";

  private final Statements sql;
  private final boolean anySuppressed;

  /** The traits last read or written, by profile: a call reads them and then writes them. */
  private String cachedProfile;

  private Map<String, TraitValue> cachedTraits;

  /**
   * @param anySuppressed whether the store has suppressed ids at all; when not, the look-up of
   *     every call's ids in the (empty) table is skipped
   */
  SqliteProfileWriter(Statements sql, boolean anySuppressed) {
    this.sql = sql;
    this.anySuppressed = anySuppressed;
  }

  @Override
  public boolean applied(String sourceId, String messageId) {
    return query(
        () ->
            sql.one("SELECT 1 FROM calls WHERE source = ? AND message_id = ?", sourceId, messageId)
                != null);
  }

  @Override
  public boolean suppressed(ExternalId id) {
    if (!anySuppressed) {
      return false;
    }
    return query(
        () ->
            sql.one(
                    "SELECT 1 FROM suppressed WHERE kind = ? AND value = ?",
                    id.kind().prefix(),
                    id.value())
                != null);
  }

  @Override
  public String owner(ExternalId id) {
    return query(
        () ->
            (String)
                sql.one(
                    "SELECT profile_id FROM ids WHERE kind = ? AND value = ?",
                    id.kind().prefix(),
                    id.value()));
  }

  @Override
  public String userIdOf(String profileId) {
    return query(() -> (String) sql.one("SELECT user_id FROM profiles WHERE id = ?", profileId));
  }

  @Override
  public Stamp joinStamp(String anonymousId) {
    return query(
        () -> {
          try (ResultSet rows =
              sql.bind(
                      "SELECT ts, received_at, message_id FROM ids WHERE kind = 'anonymous_id' AND value = ?",
                      anonymousId)
                  .executeQuery()) {
            if (!rows.next() || rows.getString(3) == null) {
              return null;
            }
            return new Stamp(rows.getLong(1), rows.getLong(2), rows.getString(3));
          }
        });
  }

  @Override
  public String createProfile(String userId) {
    String id = newProfileId(sql);
    run(() -> sql.update("INSERT INTO profiles (id, user_id) VALUES (?, ?)", id, userId));
    return id;
  }

  @Override
  public void setUserId(String profileId, String userId) {
    run(() -> sql.update("UPDATE profiles SET user_id = ? WHERE id = ?", userId, profileId));
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
    run(
        () ->
            sql.update(
                "INSERT INTO ids (kind, value, profile_id, first_seen, first_message_id, ts, received_at, message_id)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, value) DO UPDATE SET"
                    + update
                    + " first_message_id = CASE WHEN excluded.first_seen < ids.first_seen THEN excluded.first_message_id ELSE ids.first_message_id END,"
                    + " first_seen = min(ids.first_seen, excluded.first_seen)",
                id.kind().prefix(),
                id.value(),
                profileId,
                seenAtMillis,
                messageId,
                ts,
                receivedAt,
                stampId));
  }

  @Override
  public void addEvent(String profileId, LogEntry entry, String anonymousOnlyId, Stamp stamp) {
    run(
        () ->
            sql.update(
                "INSERT INTO calls (profile_id, source, message_id, type, anonymous_only, ts, body) VALUES (?, ?, ?, ?, ?, ?, ?)",
                profileId,
                entry.sourceId(),
                entry.messageId(),
                entry.type().wireName(),
                anonymousOnlyId,
                stamp.timestamp(),
                entry.json()));
  }

  @Override
  public Map<String, TraitValue> traits(String profileId) {
    if (!profileId.equals(cachedProfile)) {
      cachedTraits = query(() -> readTraits(sql, profileId));
      cachedProfile = profileId;
    }
    return new HashMap<>(cachedTraits);
  }

  static Map<String, TraitValue> readTraits(Statements sql, String profileId) throws SQLException {
    return TraitDocument.read(
        (String) sql.one("SELECT doc FROM traits WHERE profile_id = ?", profileId));
  }

  @Override
  public void putTraits(String profileId, Map<String, TraitValue> traits) {
    if (traits.isEmpty()) {
      return;
    }
    Map<String, TraitValue> all = traits(profileId);
    all.putAll(traits);
    replaceTraits(profileId, all);
  }

  @Override
  public void replaceTraits(String profileId, Map<String, TraitValue> traits) {
    run(
        () ->
            sql.update(
                "INSERT OR REPLACE INTO traits (profile_id, doc) VALUES (?, ?)",
                profileId,
                TraitDocument.write(traits)));
    cachedProfile = profileId;
    cachedTraits = new HashMap<>(traits);
  }

  @Override
  public void absorb(String from, String into) {
    cachedProfile = null;
    run(
        () -> {
          sql.update("UPDATE ids SET profile_id = ? WHERE profile_id = ?", into, from);
          sql.update("UPDATE calls SET profile_id = ? WHERE profile_id = ?", into, from);
          sql.update("DELETE FROM traits WHERE profile_id = ?", from);
          return sql.update("DELETE FROM profiles WHERE id = ?", from);
        });
  }

  @Override
  public void moveAnonymous(String anonymousId, String from, String into, Stamp joinStamp) {
    cachedProfile = null;
    run(
        () -> {
          sql.update(
              "UPDATE ids SET profile_id = ? WHERE kind = 'email' AND profile_id = ? AND message_id IN"
                  + " (SELECT message_id FROM calls WHERE profile_id = ? AND anonymous_only = ?)",
              into,
              from,
              from,
              anonymousId);
          sql.update(
              "UPDATE calls SET profile_id = ? WHERE profile_id = ? AND anonymous_only = ?",
              into,
              from,
              anonymousId);
          return sql.update(
              "UPDATE ids SET profile_id = ?, ts = ?, received_at = ?, message_id = ? WHERE kind = 'anonymous_id' AND value = ?",
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
        () -> {
          List<byte[]> events = new ArrayList<>();
          try (ResultSet rows =
              sql.bind(
                      "SELECT body FROM calls WHERE profile_id = ? AND type = 'identify'",
                      profileId)
                  .executeQuery()) {
            while (rows.next()) {
              events.add(rows.getBytes(1));
            }
          }
          return events;
        });
  }

  @Override
  public void setCheckpoint(long offset) {
    run(() -> sql.update("UPDATE checkpoint SET log_offset = ? WHERE id = 1", offset));
  }

  /**
   * The next profile id: {@code prf_} and a zero-padded sequence number, so that new profiles go at
   * the end of every index keyed by profile id instead of at random places in it.
   */
  private static String newProfileId(Statements sql) {
    String last;
    try {
      last = (String) sql.one("SELECT max(id) FROM profiles WHERE id LIKE 'prf_%'");
    } catch (SQLException e) {
      throw new ProfileStoreException(e);
    }
    long next = last == null ? 1 : Long.parseLong(last.substring(4), 16) + 1;
    return String.format("prf_%016x", next);
  }

  static JsonNode parse(String json) {
    try {
      return Json.MAPPER.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  interface SqlWork<T> {
    T run() throws SQLException;
  }

  interface SqlWork1<T> {
    T run(Statements sql) throws SQLException;
  }

  private static <T> T query(SqlWork<T> work) {
    try {
      return work.run();
    } catch (SQLException e) {
      throw new ProfileStoreException(e);
    }
  }

  private static void run(SqlWork<?> work) {
    query(work);
  }

  /** A failure of the profile store's database; the transaction is rolled back. */
  static final class ProfileStoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ProfileStoreException(SQLException cause) {
      super(cause.getMessage(), cause);
    }
  }
}
