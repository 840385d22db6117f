package dev.rollcall.tests;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rollcall.internal.Json;
import dev.rollcall.profile.CallApplier;
import dev.rollcall.profile.ExternalId;
import dev.rollcall.profile.Profile;
import dev.rollcall.profile.ProfileStore;
import dev.rollcall.profile.TraitValue;
import dev.rollcall.storage.LogEntry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link ProfileStore} must do, with {@link CallApplier}'s rules: the spec's scenarios
 * (anonymous signup then registration, a changed email, first and last name only, a shared
 * computer, out-of-order arrival) and the store's own duties (idempotence, deletion, paging). A
 * store's test extends this class and says how to make an empty store.
 */
public abstract class ProfileStoreContract {
  @TempDir protected Path dir;
  protected ProfileStore store;
  protected final Calls calls = new Calls();

  /** A new, empty store. */
  protected abstract ProfileStore newStore(Path dir) throws Exception;

  @BeforeEach
  void openStore() throws Exception {
    store = newStore(dir);
  }

  @AfterEach
  void closeStore() {
    if (store != null) store.close();
  }

  protected CallApplier.Result apply(LogEntry entry) {
    return store.write(
        writer -> {
          CallApplier.Result result = CallApplier.apply(writer, entry);
          writer.setCheckpoint(entry.offset());
          return result;
        });
  }

  protected CallApplier.Result apply(String json) {
    return apply(calls.entry(json));
  }

  protected Profile profile(String externalId) {
    return store
        .find(ExternalId.parse(externalId))
        .orElseThrow(() -> new AssertionError("no profile for " + externalId));
  }

  protected static Map<String, Object> plainTraits(Profile profile) {
    Map<String, Object> plain = new java.util.TreeMap<>();
    profile
        .traits()
        .forEach(
            (name, value) ->
                plain.put(
                    name,
                    value.value().isTextual()
                        ? value.value().textValue()
                        : value.value().toString()));
    return plain;
  }

  protected List<String> messageIds(String externalId) {
    ProfileStore.EventPage page = store.events(ExternalId.parse(externalId), null, 1_000);
    List<String> ids = new ArrayList<>();
    for (byte[] event : page.events()) {
      ids.add(json(event).get("messageId").textValue());
    }
    return ids;
  }

  protected static JsonNode json(byte[] bytes) {
    try {
      return Json.read(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /* ---- the spec's scenarios ---- */

  @Test
  void anonymousSignupThenRegistration_becomesOneProfileWithBothHistories() {
    apply(
        "{'type':'identify','messageId':'m1','anonymousId':'anon-1','traits':{'email':'peter@initech.com','newsletter':true}}");
    apply(
        "{'type':'track','messageId':'m2','anonymousId':'anon-1','event':'Newsletter Confirmed'}");
    apply(
        "{'type':'identify','messageId':'m3','userId':'97980cfea0067','anonymousId':'anon-1','traits':{'name':'Peter Gibbons'}}");

    Profile user = profile("user_id:97980cfea0067");
    assertThat(profile("anonymous_id:anon-1").id()).isEqualTo(user.id());
    assertThat(profile("email:peter@initech.com").id()).isEqualTo(user.id());
    assertThat(user.userId()).isEqualTo("97980cfea0067");
    assertThat(plainTraits(user))
        .containsEntry("email", "peter@initech.com")
        .containsEntry("newsletter", "true")
        .containsEntry("name", "Peter Gibbons")
        .containsEntry("firstName", "Peter")
        .containsEntry("lastName", "Gibbons");
    assertThat(messageIds("user_id:97980cfea0067")).containsExactlyInAnyOrder("m1", "m2", "m3");
  }

  @Test
  void anonymousHistory_joinsAnExistingUserProfile() {
    apply("{'type':'identify','messageId':'m1','userId':'u1','traits':{'plan':'free'}}");
    apply(
        "{'type':'identify','messageId':'m2','anonymousId':'anon-1','traits':{'plan':'premium','color':'red'},'timestamp':'2030-01-01T00:00:00Z'}");
    apply(
        "{'type':'track','messageId':'m3','userId':'u1','anonymousId':'anon-1','event':'Logged In'}");

    Profile user = profile("user_id:u1");
    assertThat(profile("anonymous_id:anon-1").id()).isEqualTo(user.id());
    assertThat(plainTraits(user)).containsEntry("plan", "premium").containsEntry("color", "red");
    assertThat(messageIds("user_id:u1")).containsExactlyInAnyOrder("m1", "m2", "m3");
  }

  @Test
  void userChangesEmail_sameProfileNewEmailOldOneStillFindsThem() {
    apply(
        "{'type':'identify','messageId':'m1','userId':'u1','traits':{'email':'peter@initech.com'},'timestamp':'2015-01-01T00:00:00Z'}");
    apply(
        "{'type':'identify','messageId':'m2','userId':'u1','traits':{'email':'peter@gibbons.example'},'timestamp':'2015-02-01T00:00:00Z'}");

    Profile user = profile("user_id:u1");
    assertThat(user.traits().get("email").value().textValue()).isEqualTo("peter@gibbons.example");
    assertThat(profile("email:peter@initech.com").id()).isEqualTo(user.id());
    assertThat(profile("email:PETER@gibbons.example").id()).isEqualTo(user.id());
  }

  @Test
  void firstAndLastNameOnly_nameIsFilledIn() {
    apply(
        "{'type':'identify','userId':'u1','traits':{'first_name':'Peter','last_name':'Gibbons'}}");

    assertThat(plainTraits(profile("user_id:u1")))
        .containsEntry("name", "Peter Gibbons")
        .containsEntry("firstName", "Peter")
        .containsEntry("lastName", "Gibbons")
        .doesNotContainKeys("first_name", "last_name");
  }

  @Test
  void sharedComputer_anonymousIdStaysWithTheFirstUser() {
    apply(
        "{'type':'identify','messageId':'m1','userId':'alice','anonymousId':'browser-1','timestamp':'2015-01-01T00:00:00Z'}");
    apply(
        "{'type':'identify','messageId':'m2','userId':'bob','anonymousId':'browser-1','traits':{'name':'Bob'},'timestamp':'2015-01-02T00:00:00Z'}");

    Profile alice = profile("user_id:alice");
    Profile bob = profile("user_id:bob");
    assertThat(bob.id()).isNotEqualTo(alice.id());
    assertThat(profile("anonymous_id:browser-1").id()).isEqualTo(alice.id());
    assertThat(bob.ids()).extracting(s -> s.id().toString()).containsExactly("user_id:bob");
    assertThat(plainTraits(bob)).containsEntry("name", "Bob");
    assertThat(messageIds("user_id:bob")).containsExactly("m2");
  }

  @Test
  void sharedComputer_anEarlierJoinArrivingLate_takesTheAnonymousIdAndItsCalls() {
    apply(
        "{'type':'identify','messageId':'m0','anonymousId':'browser-1','traits':{'color':'blue'},'timestamp':'2015-01-01T00:00:00Z'}");
    apply(
        "{'type':'identify','messageId':'m2','userId':'bob','anonymousId':'browser-1','timestamp':'2015-01-03T00:00:00Z'}");
    apply(
        "{'type':'identify','messageId':'m1','userId':'alice','anonymousId':'browser-1','timestamp':'2015-01-02T00:00:00Z'}");

    Profile alice = profile("user_id:alice");
    Profile bob = profile("user_id:bob");
    assertThat(profile("anonymous_id:browser-1").id()).isEqualTo(alice.id());
    assertThat(plainTraits(alice)).containsEntry("color", "blue");
    assertThat(plainTraits(bob)).doesNotContainKey("color");
    assertThat(messageIds("user_id:alice")).containsExactlyInAnyOrder("m0", "m1");
    assertThat(messageIds("user_id:bob")).containsExactly("m2");
  }

  @Test
  void outOfOrderArrival_olderCallDoesNotOverwriteNewerTrait() {
    apply(
        "{'type':'identify','userId':'u1','traits':{'plan':'premium'},'timestamp':'2015-02-01T00:00:00Z'}");
    apply(
        "{'type':'identify','userId':'u1','traits':{'plan':'free','logins':5},'timestamp':'2015-01-01T00:00:00Z'}");

    assertThat(plainTraits(profile("user_id:u1")))
        .containsEntry("plan", "premium")
        .containsEntry("logins", "5");
  }

  @Test
  void sameTimestamp_laterReceivedWins() {
    apply(
        "{'type':'identify','userId':'u1','traits':{'plan':'free'},'timestamp':'2015-01-01T00:00:00Z'}");
    apply(
        "{'type':'identify','userId':'u1','traits':{'plan':'premium'},'timestamp':'2015-01-01T00:00:00Z'}");

    assertThat(plainTraits(profile("user_id:u1"))).containsEntry("plan", "premium");
  }

  @Test
  void nullTrait_isStoredAsNull_andObjectsAreReplacedWhole() {
    apply(
        "{'type':'identify','userId':'u1','traits':{'plan':'free','address':{'city':'Austin','state':'TX'}}}");
    apply(
        "{'type':'identify','userId':'u1','traits':{'plan':null,'address':{'city':'San Francisco'}}}");

    Map<String, TraitValue> traits = profile("user_id:u1").traits();
    assertThat(traits.get("plan").value().isNull()).isTrue();
    assertThat(traits.get("address").value().toString()).isEqualTo("{\"city\":\"San Francisco\"}");
  }

  @Test
  void verboseTraits_carryTheStampOfTheCallThatSetThem() {
    apply(
        "{'type':'identify','messageId':'m1','userId':'u1','traits':{'plan':'free'},'timestamp':'2015-01-01T00:00:00Z'}");

    TraitValue plan = profile("user_id:u1").traits().get("plan");
    assertThat(plan.stamp().messageId()).isEqualTo("m1");
    assertThat(plan.stamp().timestamp())
        .isEqualTo(java.time.Instant.parse("2015-01-01T00:00:00Z").toEpochMilli());
  }

  @Test
  void alias_joinsPreviousIdToTheUser() {
    apply("{'type':'track','messageId':'m1','anonymousId':'old-anon','event':'Viewed'}");
    apply("{'type':'alias','messageId':'m2','previousId':'old-anon','userId':'u1'}");

    assertThat(profile("anonymous_id:old-anon").id()).isEqualTo(profile("user_id:u1").id());
    assertThat(messageIds("user_id:u1")).containsExactlyInAnyOrder("m1", "m2");
  }

  @Test
  void twoUsers_areNeverMerged_evenByAlias() {
    apply("{'type':'identify','userId':'u1','traits':{'plan':'free'}}");
    apply("{'type':'identify','userId':'u2','traits':{'plan':'premium'}}");
    apply("{'type':'alias','previousId':'u1','userId':'u2'}");

    assertThat(profile("user_id:u1").id()).isNotEqualTo(profile("user_id:u2").id());
    assertThat(plainTraits(profile("user_id:u1"))).containsEntry("plan", "free");
  }

  /* ---- the store's duties ---- */

  /**
   * A stored call that cannot be read is skipped and reported, not retried for ever, and changes
   * nothing; the calls after it are applied.
   */
  @Test
  void apply_storedCallNotReadable_isSkippedAndChangesNothing() {
    LogEntry good = calls.entry("{'type':'identify','messageId':'m1','userId':'u1'}");
    String body = new String(good.json(), UTF_8);
    for (String unreadable :
        List.of("not json", "[1, 2]", body.substring(0, body.length() - 1), body + " {}")) {
      LogEntry entry =
          new LogEntry(
              good.offset(),
              good.sourceId(),
              good.messageId(),
              good.personKey(),
              good.type(),
              good.receivedAtMillis(),
              unreadable.getBytes(UTF_8));

      assertThat(apply(entry)).as(unreadable).isEqualTo(CallApplier.Result.UNREADABLE);
    }
    assertThat(store.find(ExternalId.parse("user_id:u1"))).isEmpty();

    assertThat(apply(good)).isEqualTo(CallApplier.Result.APPLIED);
    assertThat(messageIds("user_id:u1")).containsExactly("m1");
  }

  @Test
  void applyingTheSameCallTwice_countsOnce() {
    LogEntry entry =
        calls.entry("{'type':'identify','messageId':'m1','userId':'u1','traits':{'logins':1}}");

    assertThat(apply(entry)).isEqualTo(CallApplier.Result.APPLIED);
    assertThat(apply(entry)).isEqualTo(CallApplier.Result.ALREADY_APPLIED);
    assertThat(messageIds("user_id:u1")).containsExactly("m1");
  }

  @Test
  void checkpoint_movesWithTheTransaction() {
    assertThat(store.checkpoint()).isZero();
    apply("{'type':'identify','userId':'u1'}");
    apply("{'type':'identify','userId':'u2'}");

    assertThat(store.checkpoint()).isEqualTo(2);
  }

  @Test
  void failedTransaction_changesNothing() {
    LogEntry entry = calls.entry("{'type':'identify','userId':'u1','traits':{'a':1}}");
    try {
      store.write(
          writer -> {
            CallApplier.apply(writer, entry);
            writer.setCheckpoint(entry.offset());
            throw new IllegalStateException("boom");
          });
    } catch (IllegalStateException expected) {
      // the transaction is rolled back
    }

    assertThat(store.find(ExternalId.parse("user_id:u1"))).isEmpty();
    assertThat(store.checkpoint()).isZero();
  }

  @Test
  void externalIds_listEveryIdWithFirstSighting() {
    apply("{'type':'identify','messageId':'m1','anonymousId':'a1'}");
    apply(
        "{'type':'identify','messageId':'m2','userId':'u1','anonymousId':'a1','traits':{'email':'u1@example.com'}}");

    assertThat(profile("user_id:u1").ids())
        .extracting(s -> s.id().toString())
        .containsExactlyInAnyOrder("anonymous_id:a1", "user_id:u1", "email:u1@example.com");
    Profile.IdSighting anonymous =
        profile("user_id:u1").ids().stream()
            .filter(s -> s.id().toString().equals("anonymous_id:a1"))
            .findFirst()
            .orElseThrow();
    assertThat(anonymous.firstMessageId()).isEqualTo("m1");
  }

  @Test
  void events_newestFirst_pagedByCursor() {
    for (int i = 1; i <= 5; i++) {
      apply(
          "{'type':'track','messageId':'m"
              + i
              + "','userId':'u1','event':'E','timestamp':'2015-01-0"
              + i
              + "T00:00:00Z'}");
    }
    ProfileStore.EventPage first = store.events(ExternalId.parse("user_id:u1"), null, 2);
    ProfileStore.EventPage second = store.events(ExternalId.parse("user_id:u1"), first.next(), 2);
    ProfileStore.EventPage third = store.events(ExternalId.parse("user_id:u1"), second.next(), 2);

    assertThat(first.events())
        .extracting(e -> json(e).get("messageId").textValue())
        .containsExactly("m5", "m4");
    assertThat(second.events())
        .extracting(e -> json(e).get("messageId").textValue())
        .containsExactly("m3", "m2");
    assertThat(third.events())
        .extracting(e -> json(e).get("messageId").textValue())
        .containsExactly("m1");
    assertThat(third.next()).isNull();
    assertThat(store.events(ExternalId.parse("user_id:nobody"), null, 2)).isNull();
  }

  @Test
  void delete_removesThePersonEverywhere() {
    apply(
        "{'type':'identify','userId':'u1','anonymousId':'a1','traits':{'email':'u1@example.com'}}");

    List<ExternalId> deleted = store.delete(ExternalId.parse("email:u1@example.com"), false);

    assertThat(deleted)
        .extracting(ExternalId::toString)
        .containsExactlyInAnyOrder("user_id:u1", "anonymous_id:a1", "email:u1@example.com");
    assertThat(store.find(ExternalId.parse("user_id:u1"))).isEmpty();
    assertThat(store.find(ExternalId.parse("anonymous_id:a1"))).isEmpty();
    assertThat(store.events(ExternalId.parse("user_id:u1"), null, 10)).isNull();
    assertThat(store.delete(ExternalId.parse("user_id:u1"), false)).isEmpty();
    assertThat(apply("{'type':'identify','userId':'u1'}")).isEqualTo(CallApplier.Result.APPLIED);
  }

  @Test
  void deleteWithSuppression_dropsLaterCallsForThoseIds() {
    apply("{'type':'identify','userId':'u1','anonymousId':'a1'}");
    store.delete(ExternalId.parse("user_id:u1"), true);

    assertThat(apply("{'type':'identify','userId':'u1','traits':{'a':1}}"))
        .isEqualTo(CallApplier.Result.SUPPRESSED);
    assertThat(apply("{'type':'track','anonymousId':'a1','event':'E'}"))
        .isEqualTo(CallApplier.Result.SUPPRESSED);
    assertThat(store.find(ExternalId.parse("user_id:u1"))).isEmpty();
    assertThat(apply("{'type':'identify','userId':'u2'}")).isEqualTo(CallApplier.Result.APPLIED);
  }

  @Test
  void isSuppressed_trueForEachIdOfThePersonDeletedWithSuppression_only() {
    apply("{'type':'identify','userId':'u1','anonymousId':'a1'}");
    apply("{'type':'identify','userId':'u2','anonymousId':'a2'}");
    assertThat(store.isSuppressed(ExternalId.parse("user_id:u1"))).isFalse();

    store.delete(ExternalId.parse("user_id:u1"), true);
    store.delete(ExternalId.parse("user_id:u2"), false);

    assertThat(store.isSuppressed(ExternalId.parse("user_id:u1"))).isTrue();
    assertThat(store.isSuppressed(ExternalId.parse("anonymous_id:a1"))).isTrue();
    assertThat(store.isSuppressed(ExternalId.parse("user_id:u2"))).isFalse();
    assertThat(store.isSuppressed(ExternalId.parse("anonymous_id:a2"))).isFalse();
  }
}
