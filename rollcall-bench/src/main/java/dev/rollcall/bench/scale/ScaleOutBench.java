package dev.rollcall.bench.scale;

import dev.rollcall.bench.BenchCalls;
import dev.rollcall.log.kafka.KafkaEventLog;
import dev.rollcall.log.kafka.KafkaProcessor;
import dev.rollcall.log.kafka.KafkaSettings;
import dev.rollcall.storage.LogEntry;
import dev.rollcall.storage.postgres.PostgresProfileStore;
import dev.rollcall.testing.EmbeddedKafka;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Identify calls through Kafka and PostgreSQL, with one and with two processors: a real KRaft
 * broker and a real PostgreSQL (fsync on, as in production) in this JVM, on this machine.
 *
 * <p>For each number of processors: the calls are appended to a new topic of 12 partitions as
 * collectors append them (batches of 100, 16 in flight, each acknowledged by Kafka with {@code
 * acks=all}), which gives the append rate; then the processors start, each with a profile store of
 * its own as in separate servers, and the time until every partition's offset in PostgreSQL is at
 * the end of the topic gives the apply rate. The calls are those of {@code ProcessorBench}: a third
 * an anonymous visitor's, a third join that visitor to a user (keyed by the userId, so usually
 * applied in another partition than the visitor's calls), a third the user's alone.
 *
 * <p>Run: {@code java -cp rollcall-bench/target/benchmarks.jar
 * dev.rollcall.bench.scale.ScaleOutBench [calls, default 100000] [processor counts, default 1,2]}.
 */
public final class ScaleOutBench {
  private static final int PEOPLE = 20_000;
  private static final int PARTITIONS = 12;

  public static void main(String[] args) throws Exception {
    int calls = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    String[] counts = (args.length > 1 ? args[1] : "1,2").split(",");
    List<List<LogEntry>> batches = prepare(calls);
    try (EmbeddedKafka kafka = EmbeddedKafka.start();
        EmbeddedPostgres postgres =
            EmbeddedPostgres.builder()
                .setServerConfig(
                    "synchronous_commit", System.getProperty("synchronousCommit", "on"))
                .start()) {
      for (String count : counts) {
        run(kafka, postgres, batches, calls, Integer.parseInt(count.trim()));
      }
    }
    System.exit(0); // the broker's and the database's threads
  }

  private static void run(
      EmbeddedKafka kafka,
      EmbeddedPostgres postgres,
      List<List<LogEntry>> batches,
      int calls,
      int processors)
      throws Exception {
    String name = "bench_" + processors + "_" + System.nanoTime();
    try (Connection c = postgres.getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + name);
    }
    String url = postgres.getJdbcUrl("postgres", "postgres") + "&currentSchema=" + name;
    KafkaSettings settings =
        KafkaSettings.builder(kafka.bootstrapServers())
            .topic(name)
            .group(name)
            .partitions(PARTITIONS)
            .maxPendingEntries(1_000_000)
            .build();

    long appendStart = System.nanoTime();
    try (KafkaEventLog log = KafkaEventLog.open(settings)) {
      ArrayDeque<CompletableFuture<?>> inFlight = new ArrayDeque<>();
      for (List<LogEntry> batch : batches) {
        if (inFlight.size() == 16) inFlight.poll().get(60, TimeUnit.SECONDS);
        inFlight.add(log.append(batch));
      }
      for (CompletableFuture<?> f : inFlight) f.get(60, TimeUnit.SECONDS);
    }
    double appendSeconds = (System.nanoTime() - appendStart) / 1e9;
    Map<Integer, Long> end = kafka.endOffsets(name, PARTITIONS);
    if (Boolean.getBoolean("skipApply")) {
      System.out.printf("appended in %.2f s%n", appendSeconds);
      return;
    }

    List<PostgresProfileStore> stores = new ArrayList<>();
    List<KafkaProcessor> running = new ArrayList<>();
    long start = System.nanoTime();
    for (int i = 0; i < processors; i++) {
      PostgresProfileStore store = PostgresProfileStore.open(url, "postgres", null);
      stores.add(store);
      KafkaProcessor processor =
          KafkaProcessor.builder(settings, store).name("bench-processor-" + i).build();
      running.add(processor);
      processor.start();
    }
    PostgresProfileStore watcher = stores.get(0);
    while (!watcher.partitionOffsets(name).equals(end)) Thread.sleep(100);
    double applySeconds = (System.nanoTime() - start) / 1e9;
    long applied = running.stream().mapToLong(KafkaProcessor::applied).sum();
    long conflicts = stores.stream().mapToLong(PostgresProfileStore::conflicts).sum();
    running.forEach(KafkaProcessor::close);
    stores.forEach(PostgresProfileStore::close);
    System.out.printf(
        "processors=%d calls=%d: appended through Kafka in %.2f s (%.0f calls/s acknowledged);"
            + " applied to PostgreSQL in %.2f s: %.0f calls/s (%d applied, %d transactions run"
            + " again after a lock conflict)%n",
        processors,
        calls,
        appendSeconds,
        calls / appendSeconds,
        applySeconds,
        calls / applySeconds,
        applied,
        conflicts);
  }

  /** The calls, normalized as the collector would, in batches of 100. */
  private static List<List<LogEntry>> prepare(int calls) {
    return BenchCalls.identifyBatches(calls, PEOPLE);
  }
}
