package dev.rollcall.bench.profile;

import dev.rollcall.bench.BenchCalls;
import dev.rollcall.profile.ExternalId;
import dev.rollcall.profile.IdKind;
import dev.rollcall.profile.Processor;
import dev.rollcall.storage.LogEntry;
import dev.rollcall.storage.sqlite.SqliteEventLog;
import dev.rollcall.storage.sqlite.SqliteProfileStore;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * From the collector's acknowledgement to a readable profile, on the embedded store: identify calls
 * are appended to the SQLite event log as the collector appends them (batches of 100,
 * group-committed), while the processor applies them to the SQLite profile store and a reader looks
 * profiles up as the Profile API does. Prints calls per second through the processor, its lag, and
 * the read latency while ingesting.
 *
 * <p>Run: {@code java -cp rollcall-bench/target/benchmarks.jar
 * dev.rollcall.bench.profile.ProcessorBench [calls, default 300000]}. A third of the calls are an
 * anonymous visitor's, a third join that visitor to a user, a third are the user's alone.
 */
public final class ProcessorBench {
  /** People in the run; each gets calls in the three shapes above. */
  private static final int PEOPLE = 50_000;

  public static void main(String[] args) throws Exception {
    int calls = args.length > 0 ? Integer.parseInt(args[0]) : 300_000;
    Path dir = Files.createTempDirectory("rollcall-processor-bench");
    List<List<LogEntry>> batches = BenchCalls.identifyBatches(calls, PEOPLE);
    try (SqliteEventLog log =
            SqliteEventLog.open(
                dir.resolve("events.db"), Clock.systemUTC(), Duration.ofHours(24), 1_000_000);
        SqliteProfileStore store = SqliteProfileStore.open(dir.resolve("profiles.db"));
        Processor processor = new Processor(log, store, Processor.DEFAULT_CHUNK)) {
      log.addCommitListener((entries, nanos) -> processor.wake());
      AtomicBoolean ingesting = new AtomicBoolean(true);
      long[] readNanos = new long[2_000_000];
      int[] reads = {0};
      Thread reader =
          new Thread(() -> reads[0] = readWhile(store, ingesting, readNanos), "bench-reader");
      boolean drainOnly = Boolean.getBoolean("drainOnly");
      if (drainOnly) { // measure the processor alone: fill the log first
        long fillStart = System.nanoTime();
        appendAll(log, batches);
        long fillNanos = System.nanoTime() - fillStart;
        // what the log takes alone bounds the end-to-end figure, whatever the processor does
        System.out.printf(
            "log filled first, alone: %.2f s (%.0f calls/s appended, 16 batches of 100 in flight)%n",
            fillNanos / 1e9, calls / (fillNanos / 1e9));
      }
      ThreadMXBean threads = ManagementFactory.getThreadMXBean();
      long cpuStart = processCpuNanos();
      long start = System.nanoTime();
      processor.start();
      long processorThread = threadId("rollcall-processor");
      Path processorTask = task("rollcall-proces"); // Linux keeps 15 characters of a name
      reader.start();
      long maxLagMillis = 0;
      if (!drainOnly) appendAll(log, batches);
      long appendedNanos = System.nanoTime() - start;
      long lastOffset = calls;
      while (processor.checkpoint() < lastOffset) {
        maxLagMillis = Math.max(maxLagMillis, processor.lagMillis(Clock.systemUTC()));
        Thread.sleep(50);
      }
      long totalNanos = System.nanoTime() - start;
      long processorCpu = threads.getThreadCpuTime(processorThread);
      long processCpu = processCpuNanos() - cpuStart;
      long[] sched = schedstat(processorTask);
      ingesting.set(false);
      reader.join();
      long[] sample = Arrays.copyOf(readNanos, Math.min(reads[0], readNanos.length));
      Arrays.sort(sample);
      System.out.printf(
          "calls=%d  appended in %.2f s (%.0f/s)  profiles readable after %.2f s: %.0f calls/s end to end; max lag seen %d ms%n",
          calls,
          appendedNanos / 1e9,
          calls / (appendedNanos / 1e9),
          totalNanos / 1e9,
          calls / (totalNanos / 1e9),
          maxLagMillis);
      System.out.printf(
          "profile reads while ingesting: %d, p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
          sample.length,
          percentile(sample, 0.50) / 1e6,
          percentile(sample, 0.99) / 1e6,
          sample.length == 0 ? 0 : sample[sample.length - 1] / 1e6);
      // CPU time is steadier than wall time on a shared machine: other processes' load slows
      // the wall clock, much less the CPU time a call costs.
      System.out.printf(
          "processor thread CPU %.2f s (%.1f µs per call, so %.0f calls/s on a core of its own); whole process CPU %.2f s%n",
          processorCpu / 1e9,
          processorCpu / 1e3 / calls,
          calls / (processorCpu / 1e9),
          processCpu / 1e9);
      if (sched != null) {
        // /proc's schedstat: time on a CPU, and time runnable but waiting for one (other
        // processes' load); the rest of the wall time the thread was blocked (I/O, fsync, locks)
        System.out.printf(
            "processor thread of %.2f s: on a CPU %.2f s, waiting for a CPU %.2f s, blocked %.2f s%n",
            totalNanos / 1e9,
            sched[0] / 1e9,
            sched[1] / 1e9,
            Math.max(0, totalNanos - sched[0] - sched[1]) / 1e9);
      }
    } finally {
      try (var files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** The /proc directory of this process's thread with that name, or null where there is none. */
  private static Path task(String name) {
    try (var tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        if (Files.readString(task.resolve("comm")).trim().equals(name)) return task;
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: no scheduler figures
    }
    return null;
  }

  /** Nanoseconds on a CPU and waiting for one, or null. */
  private static long[] schedstat(Path task) {
    if (task == null) return null;
    try {
      String[] fields = Files.readString(task.resolve("schedstat")).trim().split(" ");
      return new long[] {Long.parseLong(fields[0]), Long.parseLong(fields[1])};
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static long threadId(String name) {
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().equals(name)) return t.getId();
    }
    throw new IllegalStateException("no thread " + name);
  }

  private static int readWhile(SqliteProfileStore store, AtomicBoolean ingesting, long[] nanos) {
    int n = 0;
    ThreadLocalRandom random = ThreadLocalRandom.current();
    while (ingesting.get() && n < nanos.length) {
      LockSupport.parkNanos(1_000_000); // about 1,000 reads per second
      ExternalId id = ExternalId.of(IdKind.USER_ID, "user-" + random.nextInt(PEOPLE));
      long t0 = System.nanoTime();
      store.find(id);
      nanos[n++] = System.nanoTime() - t0;
    }
    return n;
  }

  private static long percentile(long[] sorted, double p) {
    return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) (sorted.length * p))];
  }

  /**
   * Appends the batches with up to 16 in flight, as concurrent collector requests would be: they
   * share commits.
   */
  private static void appendAll(SqliteEventLog log, List<List<LogEntry>> batches) throws Exception {
    ArrayDeque<CompletableFuture<?>> inFlight = new ArrayDeque<>();
    for (List<LogEntry> batch : batches) {
      if (inFlight.size() == 16) inFlight.poll().get(30, TimeUnit.SECONDS);
      inFlight.add(log.append(batch));
    }
    for (CompletableFuture<?> append : inFlight) append.get(30, TimeUnit.SECONDS);
  }
}
