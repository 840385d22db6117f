package dev.rollcall.log.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rollcall.profile.Processor;
import dev.rollcall.storage.AppendResult;
import dev.rollcall.storage.LogEntry;
import dev.rollcall.storage.postgres.PostgresProfileStore;
import dev.rollcall.storage.sqlite.SqliteEventLog;
import dev.rollcall.storage.sqlite.SqliteProfileStore;
import dev.rollcall.testing.EmbeddedKafka;
import dev.rollcall.testing.TestPostgres;
import dev.rollcall.tests.Calls;
import dev.rollcall.tests.Journeys;
import dev.rollcall.tests.ProfileSnapshot;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Processors on a real Kafka broker and a real PostgreSQL, against the embedded setup (SQLite log,
 * one processor) on the same calls.
 */
class KafkaProcessorTest {
  private static final AtomicInteger TOPICS = new AtomicInteger();
  private static EmbeddedKafka kafka;
  @TempDir Path dir;

  @BeforeAll
  static void startKafka() {
    kafka = EmbeddedKafka.shared();
  }

  private static KafkaSettings settings(int partitions) {
    int n = TOPICS.incrementAndGet();
    return KafkaSettings.builder(kafka.bootstrapServers())
        .topic("processor-test-" + n)
        .group("processors-" + n)
        .partitions(partitions)
        .chunk(100)
        .build();
  }

  private static List<LogEntry> entries(Journeys journeys) {
    Calls maker = new Calls();
    List<LogEntry> entries = new ArrayList<>();
    for (String call : journeys.calls()) entries.add(maker.entry(call));
    return entries;
  }

  @Test
  void appliesEveryCall_andKeepsEachPartitionsOffsetInTheStore() throws Exception {
    KafkaSettings settings = settings(3);
    List<LogEntry> entries = entries(Journeys.generate(3, 200));
    try (KafkaEventLog log = KafkaEventLog.open(settings);
        PostgresProfileStore store =
            PostgresProfileStore.open(TestPostgres.newSchema(), TestPostgres.USER, null);
        KafkaProcessor processor = KafkaProcessor.builder(settings, store).build()) {
      log.append(entries).get(30, TimeUnit.SECONDS);
      processor.start();

      awaitApplied(settings, store);
      // a poll's count is added once all its partitions' transactions ended, after their commits
      await(() -> processor.applied() + processor.alreadyApplied() >= entries.size());

      assertThat(processor.applied()).isEqualTo(entries.size());
      assertThat(processor.alreadyApplied()).isZero();
      assertThat(store.partitionOffsets(settings.topic()))
          .isEqualTo(kafka.endOffsets(settings.topic(), 3));
      assertThat(processor.partitions()).containsExactly(0, 1, 2);
      assertThat(processor.lagRecords()).isZero();
    }
  }

  /**
   * Two collectors append a few thousand calls at once; two processors apply them, one of them is
   * stopped while calls stream in and started again. Every acknowledged call is applied once, and
   * the profiles equal the embedded setup's.
   */
  @Test
  void twoCollectorsTwoProcessors_oneRestarted_giveTheProfilesOfTheEmbeddedSetup()
      throws Exception {
    Journeys journeys = Journeys.generate(11, 3_000);
    List<LogEntry> entries = entries(journeys);
    int third = entries.size() / 3;
    KafkaSettings settings = settings(6);
    String url = TestPostgres.newSchema();
    ExecutorService collectors = Executors.newFixedThreadPool(2);
    AtomicInteger acknowledged = new AtomicInteger();
    try (KafkaEventLog first = KafkaEventLog.open(settings);
        KafkaEventLog second = KafkaEventLog.open(settings);
        PostgresProfileStore storeA = PostgresProfileStore.open(url, TestPostgres.USER, null);
        PostgresProfileStore storeB = PostgresProfileStore.open(url, TestPostgres.USER, null)) {
      List<KafkaEventLog> both = List.of(first, second);
      KafkaProcessor a = KafkaProcessor.builder(settings, storeA).name("processor-a").build();
      KafkaProcessor b = KafkaProcessor.builder(settings, storeB).name("processor-b").build();
      a.start();
      b.start();
      await(append(collectors, both, entries.subList(0, third), acknowledged));
      await(() -> !a.partitions().isEmpty() && !b.partitions().isEmpty());

      List<Future<?>> streaming =
          append(collectors, both, entries.subList(third, 2 * third), acknowledged);
      a.close(); // stopped while calls stream in: b takes its partitions
      long appliedByA = a.applied();
      await(streaming);
      KafkaProcessor restarted =
          KafkaProcessor.builder(settings, storeA).name("processor-a2").build();
      restarted.start(); // and back: the partitions are shared again
      try {
        await(() -> !restarted.partitions().isEmpty());
        await(append(collectors, both, entries.subList(2 * third, entries.size()), acknowledged));
        awaitApplied(settings, storeA);
        // counted once a poll's transactions all ended, after their commits
        await(
            () ->
                appliedByA
                        + b.applied()
                        + restarted.applied()
                        + b.alreadyApplied()
                        + restarted.alreadyApplied()
                    >= entries.size());

        assertThat(acknowledged.get()).isEqualTo(entries.size());
        assertThat(appliedByA + b.applied() + restarted.applied()).isEqualTo(entries.size());
        assertThat(a.alreadyApplied() + b.alreadyApplied() + restarted.alreadyApplied()).isZero();
        assertThat(restarted.applied()).isPositive();
      } finally {
        restarted.close();
        b.close();
      }
      assertThat(ProfileSnapshot.of(storeA, journeys.ids()))
          .isEqualTo(embedded(entries, journeys))
          .hasSizeGreaterThan(300);
    } finally {
      collectors.shutdownNow();
    }
  }

  /**
   * The two collectors append {@code calls} at once, each every other batch of 25 as a load
   * balancer would share them, one batch after the other as a stream of requests.
   */
  private static List<Future<?>> append(
      ExecutorService collectors,
      List<KafkaEventLog> logs,
      List<LogEntry> calls,
      AtomicInteger acknowledged) {
    List<Future<?>> appending = new ArrayList<>();
    for (int c = 0; c < logs.size(); c++) {
      KafkaEventLog collector = logs.get(c);
      int start = c * 25;
      appending.add(
          collectors.submit(
              () -> {
                for (int i = start; i < calls.size(); i += 25 * logs.size()) {
                  List<LogEntry> batch = calls.subList(i, Math.min(calls.size(), i + 25));
                  CompletableFuture<AppendResult> append = collector.append(batch);
                  acknowledged.addAndGet(append.get(30, TimeUnit.SECONDS).appended());
                  Thread.sleep(5);
                }
                return null;
              }));
    }
    return appending;
  }

  private static void await(List<Future<?>> futures) throws Exception {
    for (Future<?> f : futures) f.get(120, TimeUnit.SECONDS);
  }

  /** The profiles the embedded setup computes from the same calls. */
  private Set<String> embedded(List<LogEntry> entries, Journeys journeys) throws Exception {
    try (SqliteEventLog log =
            SqliteEventLog.open(
                dir.resolve("events.db"), Clock.systemUTC(), Duration.ofHours(1), 100_000);
        SqliteProfileStore store = SqliteProfileStore.open(dir.resolve("profiles.db"))) {
      log.append(entries).get(30, TimeUnit.SECONDS);
      new Processor(log, store, Processor.DEFAULT_CHUNK).drain();
      return ProfileSnapshot.of(store, journeys.ids());
    }
  }

  private static void awaitApplied(KafkaSettings settings, PostgresProfileStore store)
      throws Exception {
    Map<Integer, Long> end = kafka.endOffsets(settings.topic(), settings.partitions());
    await(() -> store.partitionOffsets(settings.topic()).equals(end));
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) throw new AssertionError("timed out");
      Thread.sleep(50);
    }
  }
}
