package dev.rollcall.storage.postgres;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rollcall.MessageType;
import dev.rollcall.internal.Json;
import dev.rollcall.profile.ExternalId;
import dev.rollcall.profile.IdKind;
import dev.rollcall.profile.ProfileWriter;
import dev.rollcall.profile.Stamp;
import dev.rollcall.profile.TraitValue;
import dev.rollcall.storage.LogEntry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@link ProfileWriter} on one connection, inside the transaction {@link
 * PostgresProfileStore#write} opened on it. The statements are those of the SQLite store, in
 * PostgreSQL's dialect.
 *
 * <h2>Few round trips</h2>
 *
 * Each statement is a round trip to the database, and {@link dev.rollcall.profile.CallApplier} asks
 * a dozen questions per call: one at a time, a processor spent its time waiting for the network
 * (about 800 calls/s). So:
 *
 * <ul>
 *   <li>{@link #prefetch} reads what a transaction's calls will ask, in six statements whatever
 *       their number: it locks their persons and their profiles (trying, as {@link PersonLocks}
 *       does mid-transaction), reads their ids' owners and join stamps, their profiles' users and
 *       traits, and which of the calls were applied already. Owners only change under their
 *       person's lock, which this transaction then holds, so the answers stay true until it ends,
 *       but for its own writes, which update them.
 *   <li>Inserts and upserts are queued as JDBC batches ({@link #flush}) and sent before anything
 *       that reads or moves rows, and before the commit.
 * </ul>
 *
 * Without {@code prefetch}, every question is asked when it comes, as before, and its answer kept.
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

  /** Known answers; see the class comment. A key with a null value is a known "none". */
  private final Map<String, Boolean> appliedCalls = new HashMap<>();

  private final Map<ExternalId, String> owners = new HashMap<>();
  private final Map<ExternalId, Stamp> joinStamps = new HashMap<>();
  private final Map<String, String> userIds = new HashMap<>();
  private final Map<String, Map<String, TraitValue>> traitsByProfile = new HashMap<>();

  /** Writes queued until {@link #flush}, in this order. */
  private PreparedStatement newProfiles;

  private PreparedStatement idUpserts;
  private PreparedStatement emailUpserts;
  private PreparedStatement newCalls;
  private PreparedStatement traitUpserts;
  private boolean pending;

  PostgresProfileWriter(Connection connection, PersonLocks locks) {
    this.connection = connection;
    this.locks = locks;
  }

  /** The connection of the transaction, for other writes that must commit with it. */
  Connection connection() {
    return connection;
  }

  @Override
  public void prefetch(List<LogEntry> entries) {
    List<String> sources = new ArrayList<>();
    List<String> messageIds = new ArrayList<>();
    Set<ExternalId> persons = new LinkedHashSet<>();
    for (LogEntry entry : entries) {
      sources.add(entry.sourceId());
      messageIds.add(entry.messageId());
      persons.addAll(personsOf(entry));
    }
    persons.removeAll(owners.keySet());
    query(
        c -> {
          Set<Long> personLocks = new HashSet<>();
          for (ExternalId id : persons) personLocks.add(PersonLocks.personLock(id));
          locks.tryAll(personLocks);
          readOwners(c, persons);
          Set<String> profiles = new HashSet<>();
          for (ExternalId id : persons) {
            if (owners.get(id) != null) profiles.add(owners.get(id));
          }
          Set<Long> profileLocks = new HashSet<>();
          for (String profile : profiles) profileLocks.add(PersonLocks.profileLock(profile));
          locks.tryAll(profileLocks);
          profiles.removeAll(userIds.keySet());
          readProfiles(c, profiles);
          readApplied(c, sources, messageIds);
          return null;
        });
  }

  /** The person keys a call names: its userId, its anonymousId, an alias's previousId. */
  private static List<ExternalId> personsOf(LogEntry entry) {
    List<ExternalId> ids = new ArrayList<>(3);
    JsonNode json;
    try {
      json = Json.read(entry.json());
    } catch (IOException e) {
      return ids; // unreadable: the applier skips it
    }
    String userId = json.path("userId").textValue();
    if (userId != null) ids.add(ExternalId.of(IdKind.USER_ID, userId));
    String anonymousId = json.path("anonymousId").textValue();
    if (anonymousId != null) ids.add(ExternalId.of(IdKind.ANONYMOUS_ID, anonymousId));
    String previousId = json.path("previousId").textValue();
    if (entry.type() == MessageType.ALIAS && previousId != null && !previousId.equals(userId)) {
      ids.add(ExternalId.of(IdKind.ANONYMOUS_ID, previousId));
    }
    return ids;
  }

  private void readOwners(Connection c, Collection<ExternalId> ids) throws SQLException {
    if (ids.isEmpty()) return;
    String[] kinds = new String[ids.size()];
    String[] values = new String[ids.size()];
    int i = 0;
    for (ExternalId id : ids) {
      kinds[i] = id.kind().prefix();
      values[i++] = id.value();
      owners.put(id, null);
      joinStamps.put(id, null);
    }
    try (PreparedStatement statement =
            Sql.bind(
                c,
                "SELECT ids.kind, ids.value, profile_id, ts, received_at, message_id FROM ids"
                    + " JOIN unnest(?::text[], ?::text[]) AS w(kind, value)"
                    + " ON ids.kind = w.kind AND ids.value = w.value",
                c.createArrayOf("text", kinds),
                c.createArrayOf("text", values));
        ResultSet rows = statement.executeQuery()) {
      while (rows.next()) {
        ExternalId id = ExternalId.of(IdKind.ofPrefix(rows.getString(1)), rows.getString(2));
        owners.put(id, rows.getString(3));
        if (rows.getString(6) != null) {
          joinStamps.put(id, new Stamp(rows.getLong(4), rows.getLong(5), rows.getString(6)));
        }
      }
    }
  }

  /** Reads the users and traits of profiles this transaction holds the locks of. */
  private void readProfiles(Connection c, Collection<String> profiles) throws SQLException {
    if (profiles.isEmpty()) return;
    Array ids = c.createArrayOf("text", profiles.toArray());
    for (String profile : profiles) {
      userIds.put(profile, null);
      traitsByProfile.put(profile, new HashMap<>());
    }
    try (PreparedStatement statement =
            Sql.bind(c, "SELECT id, user_id FROM profiles WHERE id = ANY(?)", ids);
        ResultSet rows = statement.executeQuery()) {
      while (rows.next()) userIds.put(rows.getString(1), rows.getString(2));
    }
    try (PreparedStatement statement =
            Sql.bind(
                c,
                "SELECT profile_id, name, value, ts, received_at, message_id FROM traits"
                    + " WHERE profile_id = ANY(?)",
                ids);
        ResultSet rows = statement.executeQuery()) {
      while (rows.next()) {
        traitsByProfile
            .get(rows.getString(1))
            .put(
                rows.getString(2),
                new TraitValue(
                    parseJson(rows.getString(3)),
                    new Stamp(rows.getLong(4), rows.getLong(5), rows.getString(6))));
      }
    }
  }

  private void readApplied(Connection c, List<String> sources, List<String> messageIds)
      throws SQLException {
    for (int i = 0; i < sources.size(); i++) {
      appliedCalls.putIfAbsent(key(sources.get(i), messageIds.get(i)), false);
    }
    try (PreparedStatement statement =
            Sql.bind(
                c,
                "SELECT calls.source, calls.message_id FROM calls"
                    + " JOIN unnest(?::text[], ?::text[]) AS w(source, message_id)"
                    + " ON calls.source = w.source AND calls.message_id = w.message_id",
                c.createArrayOf("text", sources.toArray()),
                c.createArrayOf("text", messageIds.toArray()));
        ResultSet rows = statement.executeQuery()) {
      while (rows.next()) appliedCalls.put(key(rows.getString(1), rows.getString(2)), true);
    }
  }

  private static String key(String sourceId, String messageId) {
    return sourceId + '\u0000' + messageId;
  }

  @Override
  public boolean applied(String sourceId, String messageId) {
    Boolean known = appliedCalls.get(key(sourceId, messageId));
    if (known != null) return known;
    flush();
    boolean applied =
        query(
            c ->
                Sql.one(
                        c,
                        "SELECT 1 FROM calls WHERE source = ? AND message_id = ?",
                        sourceId,
                        messageId)
                    != null);
    appliedCalls.put(key(sourceId, messageId), applied);
    return applied;
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
    if (id.kind() != IdKind.EMAIL && owners.containsKey(id)) {
      String profile = owners.get(id);
      if (profile != null) query(c -> take(profile));
      return profile;
    }
    flush();
    return query(
        c -> {
          if (id.kind() == IdKind.EMAIL) {
            return owner(c, id); // a lookup key, not a person: see the store's class comment
          }
          locks.person(id);
          readOwners(c, List.of(id));
          String profile = owners.get(id);
          if (profile != null) locks.profile(profile);
          return profile;
        });
  }

  private Void take(String profile) throws SQLException {
    locks.profile(profile);
    return null;
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
    query(c -> take(profileId));
    if (userIds.containsKey(profileId)) return userIds.get(profileId);
    flush();
    String userId =
        query(c -> (String) Sql.one(c, "SELECT user_id FROM profiles WHERE id = ?", profileId));
    userIds.put(profileId, userId);
    return userId;
  }

  @Override
  public Stamp joinStamp(String anonymousId) {
    ExternalId id = ExternalId.of(IdKind.ANONYMOUS_ID, anonymousId);
    if (!owners.containsKey(id)) {
      flush();
      query(
          c -> {
            locks.person(id);
            readOwners(c, List.of(id));
            return null;
          });
    }
    return owners.get(id) == null ? null : joinStamps.get(id);
  }

  @Override
  public String createProfile(String userId) {
    String id = newProfileId();
    query(
        c -> {
          if (newProfiles == null) {
            newProfiles = c.prepareStatement("INSERT INTO profiles (id, user_id) VALUES (?, ?)");
          }
          newProfiles.setString(1, id);
          newProfiles.setString(2, userId);
          newProfiles.addBatch();
          return null;
        });
    pending = true;
    userIds.put(id, userId);
    traitsByProfile.put(id, new HashMap<>());
    return id;
  }

  @Override
  public void setUserId(String profileId, String userId) {
    flush();
    query(
        c -> {
          locks.profile(profileId);
          locks.person(ExternalId.of(IdKind.USER_ID, userId));
          return Sql.update(c, "UPDATE profiles SET user_id = ? WHERE id = ?", userId, profileId);
        });
    userIds.put(profileId, userId);
  }

  /** An id's upsert: it keeps the first sighting, and takes the new owner and stamp. */
  private static final String ID_UPSERT =
      "INSERT INTO ids (kind, value, profile_id, first_seen, first_message_id, ts, received_at, message_id)"
          + " VALUES (?, ?, ?, ?, ?, ?::bigint, ?::bigint, ?) ON CONFLICT (kind, value) DO UPDATE SET"
          + " profile_id = excluded.profile_id, ts = excluded.ts, received_at = excluded.received_at,"
          + " message_id = excluded.message_id,"
          + " first_message_id = CASE WHEN excluded.first_seen < ids.first_seen THEN excluded.first_message_id ELSE ids.first_message_id END,"
          + " first_seen = LEAST(ids.first_seen, excluded.first_seen)";

  /**
   * An email's upsert: an email belongs to the profile of the latest call that carried it, so its
   * owner and stamp move only for a later stamp.
   */
  private static final String EMAIL_UPSERT =
      "INSERT INTO ids (kind, value, profile_id, first_seen, first_message_id, ts, received_at, message_id)"
          + " VALUES (?, ?, ?, ?, ?, ?::bigint, ?::bigint, ?) ON CONFLICT (kind, value) DO UPDATE SET"
          + " profile_id = CASE WHEN "
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
          + " first_message_id = CASE WHEN excluded.first_seen < ids.first_seen THEN excluded.first_message_id ELSE ids.first_message_id END,"
          + " first_seen = LEAST(ids.first_seen, excluded.first_seen)";

  @Override
  public void putId(
      ExternalId id, String profileId, long seenAtMillis, String messageId, Stamp stamp) {
    boolean email = id.kind() == IdKind.EMAIL;
    query(
        c -> {
          if (!email) locks.person(id);
          locks.profile(profileId);
          if (idUpserts == null) {
            idUpserts = c.prepareStatement(ID_UPSERT);
            emailUpserts = c.prepareStatement(EMAIL_UPSERT);
          }
          PreparedStatement upsert = email ? emailUpserts : idUpserts;
          upsert.setString(1, id.kind().prefix());
          upsert.setString(2, id.value());
          upsert.setString(3, profileId);
          upsert.setLong(4, seenAtMillis);
          upsert.setString(5, messageId);
          upsert.setObject(6, stamp == null ? null : stamp.timestamp(), Types.BIGINT);
          upsert.setObject(7, stamp == null ? null : stamp.receivedAt(), Types.BIGINT);
          upsert.setString(8, stamp == null ? null : stamp.messageId());
          upsert.addBatch();
          return null;
        });
    pending = true;
    if (!email) {
      owners.put(id, profileId);
      joinStamps.put(id, stamp);
    }
  }

  @Override
  public void addEvent(String profileId, LogEntry entry, String anonymousOnlyId, Stamp stamp) {
    query(
        c -> {
          locks.profile(profileId);
          if (newCalls == null) {
            newCalls =
                c.prepareStatement(
                    "INSERT INTO calls (profile_id, source, message_id, type, anonymous_only, ts, body)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?)");
          }
          newCalls.setString(1, profileId);
          newCalls.setString(2, entry.sourceId());
          newCalls.setString(3, entry.messageId());
          newCalls.setString(4, entry.type().wireName());
          newCalls.setString(5, anonymousOnlyId);
          newCalls.setLong(6, stamp.timestamp());
          newCalls.setBytes(7, entry.json());
          newCalls.addBatch();
          return null;
        });
    pending = true;
    appliedCalls.put(key(entry.sourceId(), entry.messageId()), true);
  }

  @Override
  public Map<String, TraitValue> traits(String profileId) {
    query(c -> take(profileId));
    Map<String, TraitValue> known = traitsByProfile.get(profileId);
    if (known == null) {
      flush();
      known = query(c -> readTraits(c, profileId));
      traitsByProfile.put(profileId, known);
    }
    return new HashMap<>(known);
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
    traitsByProfile.put(profileId, all);
  }

  @Override
  public void replaceTraits(String profileId, Map<String, TraitValue> traits) {
    flush();
    query(
        c -> {
          locks.profile(profileId);
          return Sql.update(c, "DELETE FROM traits WHERE profile_id = ?", profileId);
        });
    upsertTraits(profileId, traits);
    traitsByProfile.put(profileId, new HashMap<>(traits));
  }

  /** Queues the traits' upsert, one statement however many there are. */
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
        c -> {
          if (traitUpserts == null) {
            traitUpserts =
                c.prepareStatement(
                    "INSERT INTO traits (profile_id, name, value, ts, received_at, message_id)"
                        + " SELECT ?, t.* FROM unnest(?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::text[]) AS t"
                        + " ON CONFLICT (profile_id, name) DO UPDATE SET value = excluded.value, ts = excluded.ts,"
                        + " received_at = excluded.received_at, message_id = excluded.message_id");
          }
          traitUpserts.setString(1, profileId);
          traitUpserts.setArray(2, c.createArrayOf("text", names));
          traitUpserts.setArray(3, c.createArrayOf("text", values));
          traitUpserts.setArray(4, c.createArrayOf("bigint", timestamps));
          traitUpserts.setArray(5, c.createArrayOf("bigint", receivedAts));
          traitUpserts.setArray(6, c.createArrayOf("text", messageIds));
          traitUpserts.addBatch();
          return null;
        });
    pending = true;
  }

  /**
   * Sends the queued writes, each kind as one JDBC batch: before a statement that reads or moves
   * rows they may touch, and before the commit.
   */
  void flush() {
    if (!pending) return;
    pending = false;
    query(
        c -> {
          for (PreparedStatement batch :
              new PreparedStatement[] {
                newProfiles, idUpserts, emailUpserts, newCalls, traitUpserts
              }) {
            if (batch != null) batch.executeBatch();
          }
          return null;
        });
  }

  /** Closes the statements of the queued writes; the transaction has ended. */
  void close() {
    for (PreparedStatement statement :
        new PreparedStatement[] {newProfiles, idUpserts, emailUpserts, newCalls, traitUpserts}) {
      if (statement == null) continue;
      try {
        statement.close();
      } catch (SQLException ignored) {
        // the connection goes back to the pool, which resets it
      }
    }
  }

  @Override
  public void absorb(String from, String into) {
    flush();
    owners.replaceAll((id, owner) -> from.equals(owner) ? into : owner);
    userIds.remove(from);
    traitsByProfile.remove(from);
    traitsByProfile.remove(into);
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
    flush();
    ExternalId anonymous = ExternalId.of(IdKind.ANONYMOUS_ID, anonymousId);
    owners.put(anonymous, into);
    joinStamps.put(anonymous, joinStamp);
    traitsByProfile.remove(from);
    traitsByProfile.remove(into);
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
    flush();
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

  static JsonNode parseJson(String json) {
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
