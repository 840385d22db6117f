package dev.rollcall.storage.sqlite;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rollcall.profile.ExternalId;
import dev.rollcall.profile.IdKind;
import dev.rollcall.profile.ProfileWriter;
import dev.rollcall.profile.Stamp;
import dev.rollcall.profile.TraitValue;
import dev.rollcall.storage.LogEntry;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@link ProfileWriter} on the profile store's write connection, inside its open transaction. */
final class SqliteProfileWriter implements ProfileWriter {
  /**
   * The new sighting's stamp is later than the stored one (SQLite compares row values in order).
   */
  private static final String LATER =
      "(excluded.ts, excluded.received_at, excluded.message_id) > (ids.ts, ids.received_at, ids.message_id)";

  /** {@link #LATER} in an UPDATE, where the new stamp is parameters 4 to 6. */
  private static final String LATER_THAN_STORED = "(?4, ?5, ?6) > (ts, received_at, message_id)";

  /**
   * The earliest sighting is kept, in an UPDATE where the new one is parameters 1 and 2 (the
   * message_id is set from the first_seen it had before the statement: SQLite computes every SET
   * from the row as it was).
   */
  private static final String FIRST_SEEN =
      " first_message_id = CASE WHEN ?1 < first_seen THEN ?2 ELSE first_message_id END,"
          + " first_seen = min(first_seen, ?1)";

  private final Statements sql;
  private final boolean anySuppressed;

  /**
   * The owners of the ids this transaction (one chunk of calls) looked up or wrote, null for none:
   * a person's several calls in a chunk read their ids once. Emptied when profiles merge or move.
   */
  private final Map<ExternalId, Long> owners = new HashMap<>();

  /**
   * The traits this transaction read or wrote, by profile. A person's several calls in one chunk
   * read the document once and write it once, when the chunk ends ({@link #flush}): each identify
   * call reads and writes its profile's traits, and the document, not the call, is the unit of
   * work.
   */
  private final Map<String, CachedDocument> traits = new HashMap<>();

  /** A cached trait document, with its estimated heap ({@link #heapBytes}), reckoned once. */
  private record CachedDocument(Map<String, TraitValue> traits, long bytes) {}

  /** Profiles whose traits changed since the last {@link #flush}, in the order they changed. */
  private final Set<String> changedTraits = new LinkedHashSet<>();

  /**
   * Documents kept before they are written and forgotten (about 1 KiB each): a bound on the memory
   * of a large chunk, high enough that a person's calls in one chunk almost always share one.
   */
  static final int MAX_CACHED_TRAITS = 4_096;

  /**
   * The heap the cached documents may take, all together, before they are written and forgotten
   * (bytes, estimated by {@link #heapBytes}): 32 MiB. The count above bounds documents of a few
   * traits; this one bounds large ones. A call within the 32 KB limit can carry a 30 KB trait, or
   * 1,400 small ones, and 4,096 documents of either ran a 512 MB heap out (rollcall-bench's
   * LargeCallsDrain, and the collector under a load of such calls).
   */
  static final long MAX_CACHED_TRAIT_BYTES = 32L << 20;

  private final int maxCachedTraits;
  private final long maxCachedTraitBytes;

  /** The estimated heap of the documents in {@link #traits}, in bytes. */
  private long cachedTraitBytes;

  /**
   * @param anySuppressed whether the store has suppressed ids at all; when not, the look-up of
   *     every call's ids in the (empty) table is skipped
   * @param maxCachedTraits {@link #MAX_CACHED_TRAITS}, or fewer in tests
   * @param maxCachedTraitBytes {@link #MAX_CACHED_TRAIT_BYTES}, or fewer in tests
   */
  SqliteProfileWriter(
      Statements sql, boolean anySuppressed, int maxCachedTraits, long maxCachedTraitBytes) {
    this.maxCachedTraits = maxCachedTraits;
    this.maxCachedTraitBytes = maxCachedTraitBytes;
    this.sql = sql;
    this.anySuppressed = anySuppressed;
  }

  @Override
  public boolean applied(String sourceId, String messageId) {
    return query(
        () ->
            sql.one(
                    "SELECT 1 FROM calls WHERE message_key = ? AND source = ? AND message_id = ?",
                    MessageKey.of(sourceId, messageId),
                    sourceId,
                    messageId)
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
    Long row = ownerRow(id);
    return row == null ? null : ProfileIds.text(row);
  }

  /** The rowid of the id's profile, or null; from the cache when this chunk saw the id. */
  private Long ownerRow(ExternalId id) {
    Long row = owners.get(id);
    if (row == null && !owners.containsKey(id)) {
      row = query(() -> SqliteProfileStore.ownerRow(sql, id));
      owners.put(id, row);
    }
    return row;
  }

  @Override
  public String userIdOf(String profileId) {
    return query(
        () ->
            (String)
                sql.one("SELECT user_id FROM profiles WHERE id = ?", ProfileIds.row(profileId)));
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
    // A new profile's rowid is the largest one + 1, so new profiles go at the end of every index
    // keyed by profile id instead of at random places in it.
    long row =
        query(
            () -> {
              sql.update("INSERT INTO profiles (id, user_id) VALUES (NULL, ?)", userId);
              return ((Number) sql.one("SELECT last_insert_rowid()")).longValue();
            });
    String profileId = ProfileIds.text(row);
    replaceTraits(profileId, Map.of()); // none yet: not to be looked up
    changedTraits.remove(profileId); // nor written while it has none
    return profileId;
  }

  @Override
  public void setUserId(String profileId, String userId) {
    run(
        () ->
            sql.update(
                "UPDATE profiles SET user_id = ? WHERE id = ?", userId, ProfileIds.row(profileId)));
  }

  @Override
  public void putId(
      ExternalId id, String profileId, long seenAtMillis, String messageId, Stamp stamp) {
    long row = ProfileIds.row(profileId);
    Long ts = stamp == null ? null : stamp.timestamp();
    Long receivedAt = stamp == null ? null : stamp.receivedAt();
    String stampId = stamp == null ? null : stamp.messageId();
    Long current = ownerRow(id);
    boolean email = id.kind() == IdKind.EMAIL;
    if (current == null) {
      run(
          () ->
              sql.update(
                  "INSERT INTO ids (kind, value, profile_id, first_seen, first_message_id, ts, received_at, message_id)"
                      + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                  id.kind().prefix(),
                  id.value(),
                  row,
                  seenAtMillis,
                  messageId,
                  ts,
                  receivedAt,
                  stampId));
      owners.put(id, row);
      return;
    }
    if (current == row) {
      // The owner stays: an UPDATE that leaves profile_id alone leaves the ids_profile index
      // alone too (SQLite rewrites only the indexes of the columns it sets), one page instead of
      // two or three for the email every identify call carries.
      run(
          () ->
              sql.update(
                  email
                      ? "UPDATE ids SET"
                          + ifLater(LATER_THAN_STORED, "ts", "?4", "ts")
                          + ifLater(LATER_THAN_STORED, "received_at", "?5", "received_at")
                          + ifLater(LATER_THAN_STORED, "message_id", "?6", "message_id")
                          + FIRST_SEEN
                          + " WHERE kind = ?7 AND value = ?8"
                      : "UPDATE ids SET ts = ?4, received_at = ?5, message_id = ?6,"
                          + FIRST_SEEN
                          + " WHERE kind = ?7 AND value = ?8",
                  seenAtMillis,
                  messageId,
                  null,
                  ts,
                  receivedAt,
                  stampId,
                  id.kind().prefix(),
                  id.value()));
      return;
    }
    // An email belongs to the profile of the latest call that carried it: its owner and stamp
    // move only for a later stamp. The other ids follow the caller, which decided already.
    String update =
        email
            ? ifLater(LATER, "profile_id", "excluded.profile_id", "ids.profile_id")
                + ifLater(LATER, "ts", "excluded.ts", "ids.ts")
                + ifLater(LATER, "received_at", "excluded.received_at", "ids.received_at")
                + ifLater(LATER, "message_id", "excluded.message_id", "ids.message_id")
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
                row,
                seenAtMillis,
                messageId,
                ts,
                receivedAt,
                stampId));
    if (email) {
      owners.remove(id); // moved or not, as the stamps decided: read it again when asked
    } else {
      owners.put(id, row);
    }
  }

  @Override
  public void addEvent(String profileId, LogEntry entry, String anonymousOnlyId, Stamp stamp) {
    run(
        () ->
            sql.update(
                "INSERT INTO calls (profile_id, message_key, source, message_id, type, anonymous_only, ts, body)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                ProfileIds.row(profileId),
                MessageKey.of(entry.sourceId(), entry.messageId()),
                entry.sourceId(),
                entry.messageId(),
                entry.type().wireName(),
                anonymousOnlyId,
                stamp.timestamp(),
                entry.json()));
  }

  @Override
  public Map<String, TraitValue> traits(String profileId) {
    CachedDocument cached = traits.get(profileId);
    if (cached == null) {
      if (cacheFull()) flush();
      cached = cache(profileId, query(() -> readTraits(sql, profileId)));
    }
    return new HashMap<>(cached.traits());
  }

  static Map<String, TraitValue> readTraits(Statements sql, String profileId) throws SQLException {
    Object doc = sql.one("SELECT doc FROM traits WHERE profile_id = ?", ProfileIds.row(profileId));
    // bytes since the streaming writer; TEXT from the releases before it
    return doc instanceof String
        ? TraitDocument.read((String) doc)
        : TraitDocument.read((byte[]) doc);
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
    if (cacheFull() && !this.traits.containsKey(profileId)) flush();
    cache(profileId, new HashMap<>(traits));
    changedTraits.add(profileId);
  }

  /**
   * Writes the trait documents changed since the last flush and forgets the cached ones; the store
   * calls it before the transaction commits.
   */
  void flush() {
    run(
        () -> {
          for (String profileId : changedTraits) {
            sql.update(
                "INSERT OR REPLACE INTO traits (profile_id, doc) VALUES (?, ?)",
                ProfileIds.row(profileId),
                TraitDocument.write(traits.get(profileId).traits()));
          }
          return null;
        });
    changedTraits.clear();
    traits.clear();
    cachedTraitBytes = 0;
  }

  private boolean cacheFull() {
    return traits.size() >= maxCachedTraits || cachedTraitBytes >= maxCachedTraitBytes;
  }

  private CachedDocument cache(String profileId, Map<String, TraitValue> document) {
    CachedDocument cached = new CachedDocument(document, heapBytes(document));
    CachedDocument replaced = traits.put(profileId, cached);
    cachedTraitBytes += cached.bytes() - (replaced == null ? 0 : replaced.bytes());
    return cached;
  }

  /** The estimated heap of the trait documents held now, in bytes; for tests. */
  long cachedTraitBytes() {
    return cachedTraitBytes;
  }

  /**
   * A rough estimate of the heap a document takes, in bytes (64-bit JVM, compressed pointers): a
   * map entry, its {@link TraitValue} and name, and the value's nodes and strings.
   */
  static long heapBytes(Map<String, TraitValue> document) {
    long bytes = 0;
    for (Map.Entry<String, TraitValue> trait : document.entrySet()) {
      bytes += 96 + trait.getKey().length() + heapBytes(trait.getValue().value());
    }
    return bytes;
  }

  private static long heapBytes(JsonNode value) {
    if (value == null) return 0;
    if (value.isTextual()) return 56 + value.textValue().length();
    if (!value.isContainerNode()) return 24;
    long bytes = 64;
    if (value.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> fields = value.fields(); fields.hasNext(); ) {
        Map.Entry<String, JsonNode> field = fields.next();
        bytes += 88 + field.getKey().length() + heapBytes(field.getValue());
      }
    } else {
      for (JsonNode element : value) bytes += 8 + heapBytes(element);
    }
    return bytes;
  }

  @Override
  public void absorb(String from, String into) {
    // its row is deleted below: not to be written again by flush
    CachedDocument dropped = traits.remove(from);
    if (dropped != null) cachedTraitBytes -= dropped.bytes();
    changedTraits.remove(from);
    owners.clear();
    long fromRow = ProfileIds.row(from);
    long intoRow = ProfileIds.row(into);
    run(
        () -> {
          sql.update("UPDATE ids SET profile_id = ? WHERE profile_id = ?", intoRow, fromRow);
          sql.update("UPDATE calls SET profile_id = ? WHERE profile_id = ?", intoRow, fromRow);
          sql.update("DELETE FROM traits WHERE profile_id = ?", fromRow);
          return sql.update("DELETE FROM profiles WHERE id = ?", fromRow);
        });
  }

  @Override
  public void moveAnonymous(String anonymousId, String from, String into, Stamp joinStamp) {
    owners.clear();
    long fromRow = ProfileIds.row(from);
    long intoRow = ProfileIds.row(into);
    run(
        () -> {
          sql.update(
              "UPDATE ids SET profile_id = ? WHERE kind = 'email' AND profile_id = ? AND message_id IN"
                  + " (SELECT message_id FROM calls WHERE profile_id = ? AND anonymous_only = ?)",
              intoRow,
              fromRow,
              fromRow,
              anonymousId);
          sql.update(
              "UPDATE calls SET profile_id = ? WHERE profile_id = ? AND anonymous_only = ?",
              intoRow,
              fromRow,
              anonymousId);
          return sql.update(
              "UPDATE ids SET profile_id = ?, ts = ?, received_at = ?, message_id = ? WHERE kind = 'anonymous_id' AND value = ?",
              intoRow,
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
                      ProfileIds.row(profileId))
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

  /** {@code " column = CASE WHEN later THEN newer ELSE older END,"}, for a SET list. */
  private static String ifLater(String later, String column, String newer, String older) {
    return " " + column + " = CASE WHEN " + later + " THEN " + newer + " ELSE " + older + " END,";
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
