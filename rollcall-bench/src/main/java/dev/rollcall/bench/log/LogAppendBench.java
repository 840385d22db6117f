package dev.rollcall.bench.log;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.internal.Json;
import dev.rollcall.spec.MessageNormalizer;
import dev.rollcall.storage.LogEntry;
import dev.rollcall.storage.sqlite.SqliteEventLog;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The embedded event log alone: normalized identify calls appended to the SQLite log in batches of
 * 100, 16 appends in flight (as 16 concurrent {@code /v1/batch} requests), each acknowledged after
 * its group's fsync. Prints calls/s and the CPU the log's writer thread spent per call, a figure
 * that other work on the cores distorts less than the rate; then how long deleting one person's
 * calls takes, which scans the keys of the whole log.
 *
 * <p>Run: {@code java -cp rollcall-bench/target/benchmarks.jar
 * dev.rollcall.bench.log.LogAppendBench [calls, default 500000] [rounds, default 3]}. Each round
 * appends to a new log file.
 */
public final class LogAppendBench {
  private static final int IN_FLIGHT = 16;

  public static void main(String[] args) throws Exception {
    int calls = args.length > 0 ? Integer.parseInt(args[0]) : 500_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    List<List<LogEntry>> batches = prepare(calls);
    for (int round = 1; round <= rounds; round++) {
      run(round, batches, calls);
    }
  }

  private static void run(int round, List<List<LogEntry>> batches, int calls) throws Exception {
    Path dir = Files.createTempDirectory("rollcall-log-bench");
    try (SqliteEventLog log =
        SqliteEventLog.open(
            dir.resolve("events.db"),
            Clock.systemUTC(),
            SqliteEventLog.DEFAULT_DEDUP_WINDOW,
            SqliteEventLog.DEFAULT_MAX_PENDING_ENTRIES)) {
      ThreadMXBean threads = ManagementFactory.getThreadMXBean();
      long writer = writerThreadId();
      long cpuBefore = threads.getThreadCpuTime(writer);
      long start = System.nanoTime();
      ArrayDeque<CompletableFuture<?>> inFlight = new ArrayDeque<>();
      for (List<LogEntry> batch : batches) {
        if (inFlight.size() == IN_FLIGHT) inFlight.poll().get(30, TimeUnit.SECONDS);
        inFlight.add(log.append(batch));
      }
      for (CompletableFuture<?> f : inFlight) f.get(30, TimeUnit.SECONDS);
      long nanos = System.nanoTime() - start;
      long cpu = threads.getThreadCpuTime(writer) - cpuBefore;
      // a deletion request finds a person's calls by scanning the keys of every commit
      long deleteStart = System.nanoTime();
      int deleted = log.deletePeople(List.of("user-" + (calls / 2)));
      long deleteNanos = System.nanoTime() - deleteStart;
      System.out.printf(
          "round %d: %d calls appended in %.2f s: %.0f calls/s; writer thread CPU %.2f µs/call;"
              + " one person's calls found and deleted (%d) in %.0f ms%n",
          round,
          calls,
          nanos / 1e9,
          calls / (nanos / 1e9),
          cpu / 1e3 / calls,
          deleted,
          deleteNanos / 1e6);
    } finally {
      try (var files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static long writerThreadId() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals("rollcall-log-writer"))
        .mapToLong(Thread::getId)
        .max()
        .orElseThrow(() -> new IllegalStateException("no rollcall-log-writer thread"));
  }

  /** Normalized identify calls of distinct people, with the traits of the spec's example. */
  private static List<List<LogEntry>> prepare(int calls) throws Exception {
    MessageNormalizer normalizer = new MessageNormalizer(Clock.systemUTC());
    List<List<LogEntry>> batches = new ArrayList<>();
    List<LogEntry> batch = new ArrayList<>(100);
    for (int i = 0; i < calls; i++) {
      String json =
          "{\"type\":\"identify\",\"userId\":\"user-"
              + i
              + "\",\"anonymousId\":\"anon-"
              + i
              + "\",\"traits\":{\"name\":\"Peter Gibbons\",\"email\":\"p"
              + i
              + "@initech.com\",\"plan\":\"premium\",\"logins\":5,\"address\":{\"street\":\"6th St\","
              + "\"city\":\"San Francisco\",\"state\":\"CA\",\"postalCode\":\"94103\",\"country\":\"USA\"}},"
              + "\"context\":{\"ip\":\"8.8.8.8\",\"userAgent\":\"Mozilla/5.0 (Macintosh; Intel Mac OS X"
              + " 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36\"}}";
      ObjectNode node = (ObjectNode) Json.read(json.getBytes(StandardCharsets.UTF_8));
      batch.add(LogEntry.of("src_bench", normalizer.normalize(node, null, "127.0.0.1").message()));
      if (batch.size() == 100) {
        batches.add(batch);
        batch = new ArrayList<>(100);
      }
    }
    if (!batch.isEmpty()) batches.add(batch);
    return batches;
  }

  private LogAppendBench() {}
}
