package dev.rollcall.bench.profile;

import dev.rollcall.internal.Json;
import dev.rollcall.profile.Processor;
import dev.rollcall.spec.MessageNormalizer;
import dev.rollcall.storage.LogEntry;
import dev.rollcall.storage.sqlite.SqliteEventLog;
import dev.rollcall.storage.sqlite.SqliteProfileStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The processor draining a backlog of identify calls close to the collector's 32 KB limit, each a
 * person of its own, on the embedded store; prints the time it took. By default a call has 600
 * traits of 40 characters (32 KB stored); {@code -Dtraits=1400 -DtraitLength=8} gives many small
 * ones (31 KB). Run it with the heap the collector's benchmark gives the server, to see that a
 * backlog of large calls fits in it: {@code java -Xmx512m -cp rollcall-bench/target/benchmarks.jar
 * dev.rollcall.bench.profile.LargeCallsDrain [calls, default 20000]}.
 *
 * <p>Both ran out of memory under {@code -Xmx512m} before: the processor held a backlog's whole
 * chunk (up to 16,000 calls, about 500 MB of these), and the profile store kept up to 4,096 trait
 * documents of a transaction in memory however many traits each had.
 */
public final class LargeCallsDrain {
  private LargeCallsDrain() {}

  public static void main(String[] args) throws Exception {
    int calls = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    Path dir = Files.createTempDirectory("rollcall-large-calls");
    MessageNormalizer normalizer = new MessageNormalizer(Clock.systemUTC());
    StringBuilder traits = new StringBuilder();
    int length = Integer.getInteger("traitLength", 40);
    for (int i = 0; i < Integer.getInteger("traits", 600); i++) {
      traits.append(",\"trait").append(i).append("\":\"").append("x".repeat(length)).append('"');
    }
    try (SqliteEventLog log =
            SqliteEventLog.open(
                dir.resolve("events.db"), Clock.systemUTC(), Duration.ofHours(24), 1_000_000);
        SqliteProfileStore store = SqliteProfileStore.open(dir.resolve("profiles.db"))) {
      for (int first = 0; first < calls; first += 100) {
        List<LogEntry> batch = new ArrayList<>(100);
        for (int k = first; k < Math.min(calls, first + 100); k++) {
          String json =
              "{\"type\":\"identify\",\"userId\":\"user-"
                  + k
                  + "\",\"traits\":{\"email\":\"p"
                  + k
                  + "@initech.com\""
                  + traits
                  + "}}";
          batch.add(
              LogEntry.of(
                  "src_bench",
                  normalizer
                      .normalize(Json.read(json.getBytes(StandardCharsets.UTF_8)), null, null)
                      .message()));
        }
        log.append(batch).get();
      }
      int bytes = log.read(0, 1).get(0).json().length;
      System.out.printf("appended %d calls of %,d bytes each%n", calls, bytes);
      long start = System.nanoTime();
      try (Processor processor = new Processor(log, store, Processor.DEFAULT_CHUNK)) {
        long drained = processor.drain();
        System.out.printf(
            "drained %d calls in %.1f s, in a heap of at most %d MB%n",
            drained, (System.nanoTime() - start) / 1e9, Runtime.getRuntime().maxMemory() >> 20);
      }
    } finally {
      try (var files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
