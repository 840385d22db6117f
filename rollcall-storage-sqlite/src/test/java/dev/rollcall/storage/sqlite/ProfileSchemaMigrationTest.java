package dev.rollcall.storage.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rollcall.internal.Json;
import dev.rollcall.profile.CallApplier;
import dev.rollcall.profile.ExternalId;
import dev.rollcall.profile.IdKind;
import dev.rollcall.profile.Profile;
import dev.rollcall.profile.Stamp;
import dev.rollcall.profile.TraitValue;
import dev.rollcall.storage.LogEntry;
import dev.rollcall.tests.Calls;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store written by a release with schema version 1 (profiles keyed by text ids) opens with its
 * data, migrated to integer keys: the same profiles, ids, traits, calls and checkpoint.
 */
class ProfileSchemaMigrationTest {
  /** A sequence id as version 1 gave them, and a random one from the first releases. */
  private static final String USER_PROFILE = "prf_0000000000000002";

  private static final String ANONYMOUS_PROFILE = "prf_f3a9c0d2e1b40567";

  @TempDir Path dir;
  private final Calls calls = new Calls();
  private LogEntry userCall;
  private LogEntry anonymousCall;
  private LogEntry trackCall;

  @BeforeEach
  void writeVersion1Store() throws Exception {
    userCall =
        calls.entry(
            "{'type':'identify','messageId':'m1','userId':'u1','anonymousId':'a1',"
                + "'traits':{'plan':'premium','email':'x@example.com'}}");
    anonymousCall =
        calls.entry(
            "{'type':'identify','messageId':'m2','anonymousId':'a2','traits':{'color':'red'}}");
    trackCall = calls.entry("{'type':'track','messageId':'m3','userId':'u1','event':'Paid'}");
    try (Connection db = SqliteFiles.connect(dir.resolve("profiles.db"))) {
      SqliteFiles.migrate(db, ProfileSchema.MIGRATIONS.subList(0, 1));
      db.setAutoCommit(false);
      update(db, "INSERT INTO profiles (id, user_id) VALUES (?, ?)", USER_PROFILE, "u1");
      update(db, "INSERT INTO profiles (id, user_id) VALUES (?, ?)", ANONYMOUS_PROFILE, null);
      Stamp m1 = stamp(userCall);
      putId(db, "user_id", "u1", USER_PROFILE, userCall, null);
      putId(db, "anonymous_id", "a1", USER_PROFILE, userCall, m1);
      putId(db, "email", "x@example.com", USER_PROFILE, userCall, m1);
      putId(db, "anonymous_id", "a2", ANONYMOUS_PROFILE, anonymousCall, null);
      update(
          db,
          "INSERT INTO traits (profile_id, doc) VALUES (?, ?)",
          USER_PROFILE,
          textDocument(Map.of("plan", new TraitValue(Json.MAPPER.valueToTree("premium"), m1))));
      update(
          db,
          "INSERT INTO traits (profile_id, doc) VALUES (?, ?)",
          ANONYMOUS_PROFILE,
          textDocument(
              Map.of(
                  "color", new TraitValue(Json.MAPPER.valueToTree("red"), stamp(anonymousCall)))));
      addCall(db, USER_PROFILE, userCall, null);
      addCall(db, ANONYMOUS_PROFILE, anonymousCall, "a2");
      addCall(db, USER_PROFILE, trackCall, null);
      // a later call was applied and its profile deleted: its seq must never be given again
      update(db, "UPDATE sqlite_sequence SET seq = 10 WHERE name = 'calls'");
      update(db, "UPDATE checkpoint SET log_offset = 3 WHERE id = 1");
      db.commit();
    }
  }

  @Test
  void open_version1Store_keepsProfilesWithTheirIdsTraitsAndSightings() throws Exception {
    try (SqliteProfileStore store = SqliteProfileStore.open(dir.resolve("profiles.db"))) {
      Profile user = store.find(ExternalId.of(IdKind.EMAIL, "x@example.com")).orElseThrow();
      assertThat(user.id()).isEqualTo(USER_PROFILE);
      assertThat(user.userId()).isEqualTo("u1");
      assertThat(user.ids())
          .extracting(s -> s.id().toString(), Profile.IdSighting::firstMessageId)
          .containsExactlyInAnyOrder(
              org.assertj.core.groups.Tuple.tuple("user_id:u1", "m1"),
              org.assertj.core.groups.Tuple.tuple("anonymous_id:a1", "m1"),
              org.assertj.core.groups.Tuple.tuple("email:x@example.com", "m1"));
      assertThat(user.traits().get("plan").value().textValue()).isEqualTo("premium");
      Profile anonymous = store.find(ExternalId.of(IdKind.ANONYMOUS_ID, "a2")).orElseThrow();
      assertThat(anonymous.id()).isEqualTo(ANONYMOUS_PROFILE);
      assertThat(anonymous.traits().get("color").value().textValue()).isEqualTo("red");
      assertThat(store.checkpoint()).isEqualTo(3);
    }
  }

  @Test
  void open_version1Store_keepsEachProfilesCallsNewestFirst() throws Exception {
    try (SqliteProfileStore store = SqliteProfileStore.open(dir.resolve("profiles.db"))) {
      assertThat(messageIds(store, "u1")).containsExactly("m3", "m1");
    }
  }

  @Test
  void open_version1Store_stillKnowsWhichCallsWereApplied() throws Exception {
    try (SqliteProfileStore store = SqliteProfileStore.open(dir.resolve("profiles.db"))) {
      assertThat(apply(store, trackCall)).isEqualTo(CallApplier.Result.ALREADY_APPLIED);
      assertThat(apply(store, anonymousCall)).isEqualTo(CallApplier.Result.ALREADY_APPLIED);
      assertThat(messageIds(store, "u1")).containsExactly("m3", "m1");
    }
  }

  @Test
  void open_version1Store_thenNewCalls_joinTheOldProfilesAndTakeFreshIds() throws Exception {
    try (SqliteProfileStore store = SqliteProfileStore.open(dir.resolve("profiles.db"))) {
      apply(store, "{'type':'identify','messageId':'m4','userId':'u2','anonymousId':'a2'}");
      apply(store, "{'type':'identify','messageId':'m5','userId':'u3'}");

      Profile joined = store.find(ExternalId.of(IdKind.USER_ID, "u2")).orElseThrow();
      assertThat(joined.id()).isEqualTo(ANONYMOUS_PROFILE);
      assertThat(joined.traits().get("color").value().textValue()).isEqualTo("red");
      String fresh = store.find(ExternalId.of(IdKind.USER_ID, "u3")).orElseThrow().id();
      assertThat(fresh).isNotIn(USER_PROFILE, ANONYMOUS_PROFILE).startsWith("prf_");
    }
    try (Connection db = SqliteFiles.connect(dir.resolve("profiles.db"));
        Statement sql = db.createStatement();
        var rows =
            sql.executeQuery("SELECT min(seq) FROM calls WHERE message_id IN ('m4', 'm5')")) {
      assertThat(rows.next()).isTrue();
      assertThat(rows.getLong(1)).as("seqs are never given twice").isGreaterThan(10);
    }
  }

  private void apply(SqliteProfileStore store, String json) {
    assertThat(apply(store, calls.entry(json))).isEqualTo(CallApplier.Result.APPLIED);
  }

  private static CallApplier.Result apply(SqliteProfileStore store, LogEntry entry) {
    return store.<CallApplier.Result>write(writer -> CallApplier.apply(writer, entry));
  }

  private static List<String> messageIds(SqliteProfileStore store, String userId) throws Exception {
    List<String> ids = new ArrayList<>();
    for (byte[] body : store.events(ExternalId.of(IdKind.USER_ID, userId), null, 10).events()) {
      ids.add(Json.read(body).get("messageId").textValue());
    }
    return ids;
  }

  private static Stamp stamp(LogEntry entry) throws Exception {
    var json = Json.read(entry.json());
    return new Stamp(
        java.time.Instant.parse(json.get("timestamp").textValue()).toEpochMilli(),
        entry.receivedAtMillis(),
        entry.messageId());
  }

  private static void putId(
      Connection db, String kind, String value, String profile, LogEntry entry, Stamp stamp)
      throws SQLException {
    update(
        db,
        "INSERT INTO ids (kind, value, profile_id, first_seen, first_message_id, ts, received_at,"
            + " message_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        kind,
        value,
        profile,
        entry.receivedAtMillis(),
        entry.messageId(),
        stamp == null ? null : stamp.timestamp(),
        stamp == null ? null : stamp.receivedAt(),
        stamp == null ? null : stamp.messageId());
  }

  private static void addCall(Connection db, String profile, LogEntry entry, String anonymousOnly)
      throws Exception {
    update(
        db,
        "INSERT INTO calls (profile_id, source, message_id, type, anonymous_only, ts, body)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?)",
        profile,
        entry.sourceId(),
        entry.messageId(),
        entry.type().wireName(),
        anonymousOnly,
        stamp(entry).timestamp(),
        entry.json());
  }

  private static void update(Connection db, String sql, Object... args) throws SQLException {
    try (PreparedStatement statement = db.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) statement.setObject(i + 1, args[i]);
      statement.executeUpdate();
    }
  }

  /** A trait document as version 1 stored it: TEXT, where the current writer stores bytes. */
  private static String textDocument(Map<String, TraitValue> traits) {
    return new String(TraitDocument.write(traits), java.nio.charset.StandardCharsets.UTF_8);
  }
}
