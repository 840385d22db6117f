package dev.rollcall.storage.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rollcall.profile.CallApplier;
import dev.rollcall.profile.ProfileStore;
import dev.rollcall.storage.LogEntry;
import dev.rollcall.tests.Calls;
import dev.rollcall.tests.Journeys;
import dev.rollcall.tests.ProfileSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Several processors on one database, as with a Kafka topic in partitions: each applies the calls
 * of its partitions (keyed by userId, else anonymousId, so an anonymous visitor's calls and the
 * call that joins them to a user are usually in different partitions), in chunks, at the same time
 * as the others. The profiles equal those of one processor applying every call.
 */
class ConcurrentProcessorsTest {
  private static final int PARTITIONS = 4;
  private static final int CHUNK = 40;

  @Test
  void fourProcessorsAtOnce_giveTheProfilesOfOne() throws Exception {
    Journeys journeys = Journeys.generate(7, 2_500);
    Calls maker = new Calls();
    List<LogEntry> entries = new ArrayList<>();
    for (String call : journeys.calls()) entries.add(maker.entry(call));

    Set<String> one;
    try (PostgresProfileStore store = TestPostgres.newStore()) {
      for (int from = 0; from < entries.size(); from += CHUNK) {
        apply(store, entries.subList(from, Math.min(entries.size(), from + CHUNK)));
      }
      one = ProfileSnapshot.of(store, journeys.ids());
    }

    String url = TestPostgres.newSchema();
    List<List<LogEntry>> partitions = new ArrayList<>();
    for (int p = 0; p < PARTITIONS; p++) partitions.add(new ArrayList<>());
    for (LogEntry entry : entries) {
      partitions.get(Math.floorMod(entry.personKey().hashCode(), PARTITIONS)).add(entry);
    }
    ExecutorService processors = Executors.newFixedThreadPool(PARTITIONS);
    List<PostgresProfileStore> stores = new ArrayList<>();
    long conflicts = 0;
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (List<LogEntry> partition : partitions) {
        PostgresProfileStore store = PostgresProfileStore.open(url, "postgres", null);
        stores.add(store);
        done.add(
            processors.submit(
                () -> {
                  start.await();
                  for (int from = 0; from < partition.size(); from += CHUNK) {
                    apply(store, partition.subList(from, Math.min(partition.size(), from + CHUNK)));
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : done) f.get(120, TimeUnit.SECONDS);
      for (PostgresProfileStore store : stores) conflicts += store.conflicts();
    } finally {
      processors.shutdownNow();
      stores.forEach(PostgresProfileStore::close);
    }

    Set<String> four;
    try (PostgresProfileStore store = PostgresProfileStore.open(url, "postgres", null)) {
      four = ProfileSnapshot.of(store, journeys.ids());
    }
    assertThat(four).isEqualTo(one);
    assertThat(one).hasSizeGreaterThan(200);
    // the partitions did meet: some writes waited for others and ran again
    System.out.println("conflicts, retried: " + conflicts);
  }

  private static void apply(ProfileStore store, List<LogEntry> chunk) {
    store.write(
        writer -> {
          for (LogEntry entry : chunk) CallApplier.apply(writer, entry);
          return null;
        });
  }
}
