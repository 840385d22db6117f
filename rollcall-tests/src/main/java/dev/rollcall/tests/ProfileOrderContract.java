package dev.rollcall.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rollcall.profile.CallApplier;
import dev.rollcall.profile.ExternalId;
import dev.rollcall.profile.IdKind;
import dev.rollcall.profile.ProfileStore;
import dev.rollcall.profile.ProfileWriter;
import dev.rollcall.storage.LogEntry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * The profiles are a function of the set of calls, not of the order they are applied in: the same
 * calls, shuffled, give the same people, on every store. The generated calls reuse a few ids so
 * that joins, merges, shared computers (one anonymous id with two users), aliases, changed emails
 * and conflicting traits all happen; ties between stamps are broken by each database's own
 * comparisons, which this checks too. A store's property class extends this one.
 */
public abstract class ProfileOrderContract {
  private static final List<String> USERS = List.of("u1", "u2", "u3");
  private static final List<String> ANONYMOUS = List.of("a1", "a2", "a3", "a4");
  private static final List<String> EMAILS = List.of("x@example.com", "y@example.com");

  /** A new, empty store; the property closes it. */
  protected abstract ProfileStore newEmptyStore() throws Exception;

  @Property(tries = 40)
  void shuffledOrder_givesTheSameProfiles(
      @ForAll("calls") @Size(min = 1, max = 30) List<String> calls, @ForAll long seed)
      throws Exception {
    Calls maker = new Calls();
    List<LogEntry> entries = new ArrayList<>();
    for (String call : calls) entries.add(maker.entry(call));
    List<LogEntry> shuffled = new ArrayList<>(entries);
    Collections.shuffle(shuffled, new Random(seed));

    assertThat(snapshotAfter(shuffled)).isEqualTo(snapshotAfter(entries));
  }

  /**
   * Calls applied many to a transaction, announced with {@link ProfileWriter#prefetch} as the Kafka
   * processor does (some twice, as a re-read would), give the profiles of calls applied one by one.
   */
  @Property(tries = 40)
  void chunksWithPrefetch_giveTheSameProfiles(
      @ForAll("calls") @Size(min = 1, max = 30) List<String> calls, @ForAll long seed)
      throws Exception {
    Calls maker = new Calls();
    List<LogEntry> entries = new ArrayList<>();
    for (String call : calls) entries.add(maker.entry(call));
    Random random = new Random(seed);
    List<LogEntry> reread = new ArrayList<>(entries);
    for (LogEntry entry : entries) if (random.nextInt(4) == 0) reread.add(entry);
    Collections.shuffle(reread, random);
    Set<String> chunked;
    try (ProfileStore store = newEmptyStore()) {
      for (int from = 0; from < reread.size(); ) {
        List<LogEntry> chunk =
            reread.subList(from, Math.min(reread.size(), from + 1 + random.nextInt(12)));
        store.write(
            writer -> {
              writer.prefetch(chunk);
              chunk.forEach(entry -> CallApplier.apply(writer, entry));
              return null;
            });
        from += chunk.size();
      }
      chunked = snapshot(store);
    }

    assertThat(chunked).isEqualTo(snapshotAfter(entries));
  }

  private Set<String> snapshotAfter(List<LogEntry> entries) throws Exception {
    try (ProfileStore store = newEmptyStore()) {
      for (LogEntry entry : entries) {
        store.write(writer -> CallApplier.apply(writer, entry));
      }
      return snapshot(store);
    }
  }

  private static Set<String> snapshot(ProfileStore store) {
    List<ExternalId> ids = new ArrayList<>();
    USERS.forEach(u -> ids.add(ExternalId.of(IdKind.USER_ID, u)));
    ANONYMOUS.forEach(a -> ids.add(ExternalId.of(IdKind.ANONYMOUS_ID, a)));
    EMAILS.forEach(e -> ids.add(ExternalId.of(IdKind.EMAIL, e)));
    return ProfileSnapshot.of(store, ids);
  }

  @Provide
  Arbitrary<List<String>> calls() {
    Arbitrary<String> user = Arbitraries.of(USERS).injectNull(0.4);
    Arbitrary<String> anonymous = Arbitraries.of(ANONYMOUS).injectNull(0.3);
    Arbitrary<Integer> day =
        Arbitraries.integers().between(1, 9); // few days: timestamp ties happen
    Arbitrary<String> type = Arbitraries.of("identify", "identify", "track", "alias");
    Arbitrary<String> traits =
        Combinators.combine(
                Arbitraries.of("free", "premium", "null"),
                Arbitraries.of("red", "blue"),
                Arbitraries.of(EMAILS).injectNull(0.5))
            .as(
                (plan, color, email) ->
                    "{'plan':"
                        + (plan.equals("null") ? "null" : "'" + plan + "'")
                        + ",'color':'"
                        + color
                        + "'"
                        + (email == null ? "" : ",'email':'" + email + "'")
                        + "}");
    return Combinators.combine(type, user, anonymous, day, traits)
        .as(ProfileOrderContract::call)
        .filter(call -> call != null)
        .list()
        .ofMinSize(1)
        .ofMaxSize(30);
  }

  private static String call(String type, String user, String anonymous, int day, String traits) {
    String timestamp = ",'timestamp':'2015-01-0" + day + "T00:00:00Z'";
    switch (type) {
      case "alias":
        if (user == null || anonymous == null) return null;
        return "{'type':'alias','userId':'"
            + user
            + "','previousId':'"
            + anonymous
            + "'"
            + timestamp
            + "}";
      case "track":
        if (user == null && anonymous == null) return null;
        return "{'type':'track','event':'E'" + ids(user, anonymous) + timestamp + "}";
      default:
        if (user == null && anonymous == null) return null;
        return "{'type':'identify'"
            + ids(user, anonymous)
            + ",'traits':"
            + traits
            + timestamp
            + "}";
    }
  }

  private static String ids(String user, String anonymous) {
    return (user == null ? "" : ",'userId':'" + user + "'")
        + (anonymous == null ? "" : ",'anonymousId':'" + anonymous + "'");
  }
}
