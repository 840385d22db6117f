package dev.rollcall.storage.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rollcall.profile.CallApplier;
import dev.rollcall.profile.ExternalId;
import dev.rollcall.profile.IdKind;
import dev.rollcall.storage.LogEntry;
import dev.rollcall.tests.Calls;
import dev.rollcall.tests.Journeys;
import dev.rollcall.tests.ProfileSnapshot;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer caches owners and trait documents for one transaction and writes the documents when it
 * ends: a chunk of calls applied in one transaction gives the profiles that one transaction per
 * call gives, however many of a person's calls, joins and merges the chunk holds.
 */
class ChunkCacheTest {
  @TempDir Path dir;

  @Test
  void oneTransactionForAllCalls_givesTheProfilesOfOneTransactionPerCall() throws Exception {
    Journeys journeys = Journeys.generate(7, 3_000);
    List<LogEntry> entries = entries(journeys);

    assertThat(snapshot("chunk.db", entries, entries.size(), journeys))
        .isEqualTo(snapshot("each.db", entries, 1, journeys));
  }

  @Test
  void aPersonsCallsInOneTransaction_mergeTheirTraitsByStamp() throws Exception {
    Calls calls = new Calls();
    List<LogEntry> entries =
        List.of(
            calls.entry(
                "{'type':'identify','anonymousId':'a1','timestamp':'2024-01-01T00:00:02Z','traits':{'plan':'free','color':'red'}}"),
            calls.entry(
                "{'type':'identify','anonymousId':'a1','timestamp':'2024-01-01T00:00:01Z','traits':{'plan':'older'}}"),
            calls.entry(
                "{'type':'identify','userId':'u1','timestamp':'2024-01-01T00:00:03Z','traits':{'size':'L'}}"),
            calls.entry(
                "{'type':'identify','userId':'u1','anonymousId':'a1','timestamp':'2024-01-01T00:00:04Z','traits':{'color':'blue'}}"));
    try (SqliteProfileStore store = SqliteProfileStore.open(dir.resolve("profiles.db"))) {
      store.write(
          writer -> {
            entries.forEach(entry -> CallApplier.apply(writer, entry));
            return null;
          });

      var profile = store.find(ExternalId.of(IdKind.ANONYMOUS_ID, "a1")).orElseThrow();
      assertThat(profile.userId()).isEqualTo("u1");
      assertThat(profile.traits())
          .extractingFromEntries(e -> e.getKey() + "=" + e.getValue().value().textValue())
          .containsExactly("color=blue", "plan=free", "size=L");
    }
  }

  @Test
  void oneTransaction_withLittleHeapForDocuments_givesTheProfilesOfOneTransactionPerCall()
      throws Exception {
    Journeys journeys = Journeys.generate(11, 3_000);
    List<LogEntry> entries = entries(journeys);

    assertThat(snapshot("chunk.db", entries, entries.size(), journeys, 4_096, 2_000))
        .isEqualTo(snapshot("each.db", entries, 1, journeys));
  }

  @Test
  void documentsWithLargeTraits_keepAtMostTheHeapBudgetInMemory() throws Exception {
    Calls calls = new Calls();
    String notes = "x".repeat(1_000);
    List<LogEntry> entries = new ArrayList<>();
    for (int person = 0; person < 30; person++) {
      entries.add(
          calls.entry(
              "{'type':'identify','userId':'u"
                  + person
                  + "','traits':{'email':'p"
                  + person
                  + "@initech.com','notes':'"
                  + notes
                  + "'}}"));
    }
    try (SqliteProfileStore store = SqliteProfileStore.open(dir.resolve("profiles.db"))) {
      store.maxCachedTraitBytes = 5_000;
      List<Long> held = new ArrayList<>();
      store.write(
          writer -> {
            for (LogEntry entry : entries) {
              CallApplier.apply(writer, entry);
              held.add(((SqliteProfileWriter) writer).cachedTraitBytes());
            }
            return null;
          });

      long document = held.get(0); // about 1.3 KB: the notes and their names and nodes
      assertThat(document).isBetween(1_000L, 2_000L);
      // the budget, and at most one document past it: the one that filled it
      assertThat(held).allSatisfy(bytes -> assertThat(bytes).isLessThan(5_000 + document));
      assertThat(held).contains(document, 4 * document); // four documents, then written
      for (int person = 0; person < 30; person++) {
        assertThat(store.find(ExternalId.of(IdKind.USER_ID, "u" + person)).orElseThrow().traits())
            .containsKeys("email", "notes");
      }
    }
  }

  private Set<String> snapshot(String file, List<LogEntry> entries, int chunk, Journeys journeys)
      throws Exception {
    // far fewer documents kept than the chunk's people: written and forgotten mid-chunk too
    return snapshot(file, entries, chunk, journeys, 50, SqliteProfileWriter.MAX_CACHED_TRAIT_BYTES);
  }

  private Set<String> snapshot(
      String file,
      List<LogEntry> entries,
      int chunk,
      Journeys journeys,
      int maxCachedTraits,
      long maxCachedTraitBytes)
      throws Exception {
    try (SqliteProfileStore store = SqliteProfileStore.open(dir.resolve(file))) {
      store.maxCachedTraits = maxCachedTraits;
      store.maxCachedTraitBytes = maxCachedTraitBytes;
      for (int from = 0; from < entries.size(); from += chunk) {
        List<LogEntry> part = entries.subList(from, Math.min(entries.size(), from + chunk));
        store.write(
            writer -> {
              part.forEach(entry -> CallApplier.apply(writer, entry));
              return null;
            });
      }
      return ProfileSnapshot.of(store, journeys.ids());
    }
  }

  private static List<LogEntry> entries(Journeys journeys) {
    Calls calls = new Calls();
    List<LogEntry> entries = new ArrayList<>();
    for (String call : journeys.calls()) entries.add(calls.entry(call));
    return entries;
  }
}
