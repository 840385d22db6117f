package dev.rollcall.bench.sdk;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * One Java SDK delivering identify calls to a server, measured: calls per second until every call
 * is acknowledged, the process's CPU time, and the bytes allocated per call. {@code bench/sdk.sh}
 * runs it once per SDK ({@code --client rollcall} for {@code rollcall-client}, {@code --client
 * segment} for {@code com.segment.analytics.java:analytics}), each in a fresh JVM against a fresh
 * server, and prints them side by side.
 *
 * <p>The application is one thread calling {@code identify(userId, traits)} as fast as it can, with
 * at most {@code --window} calls not yet acknowledged (both libraries report each message to a
 * callback): a bounded backlog, the same for both, so that neither holds a million messages in
 * memory and the figure is the delivery rate, not the enqueue rate. Inputs are made before the
 * measurement (a unique userId per call, 1,000 trait maps in turn), so that their allocation is not
 * counted. Each SDK runs with its defaults; a warm-up run of {@code --warmup} calls on a first
 * client comes first, then the measured run on a new client.
 *
 * <p>CPU time is the whole process's ({@code OperatingSystemMXBean.getProcessCpuTime}: every
 * thread, the JIT and the GC included); bytes allocated are summed over every Java thread ({@code
 * com.sun.management.ThreadMXBean.getThreadAllocatedBytes}), sampled every 20 ms so that threads
 * which end during the run are counted up to their last sample.
 *
 * <p>Run: {@code java -cp rollcall-bench/target/benchmarks.jar dev.rollcall.bench.sdk.SdkBench
 * --client rollcall --url http://127.0.0.1:8080 --write-key KEY [--calls 1000000] [--warmup 200000]
 * [--window 10000]}.
 */
public final class SdkBench {
  private static final int TRAIT_MAPS = 1_000;

  public static void main(String[] args) throws Exception {
    Map<String, String> options = options(args);
    String client = options.getOrDefault("client", "rollcall");
    String url = options.getOrDefault("url", "http://127.0.0.1:8080");
    String writeKey = options.getOrDefault("write-key", "bench-key");
    int calls = Integer.parseInt(options.getOrDefault("calls", "1000000"));
    int warmup = Integer.parseInt(options.getOrDefault("warmup", "200000"));
    int window = Integer.parseInt(options.getOrDefault("window", "10000"));

    Map<String, Object>[] traits = traits();
    String[] warmupIds = userIds("warm-" + client, warmup);
    String[] userIds = userIds("bench-" + client, calls);

    // rollcall-client's options, for exploring them; the benchmark runs with the defaults
    String flushAt = options.get("flush-at");
    String maxInFlight = options.get("max-in-flight");
    if (flushAt != null) System.setProperty("bench.flushAt", flushAt);
    if (maxInFlight != null) System.setProperty("bench.maxInFlight", maxInFlight);

    if (warmup > 0) {
      try (Sdk sdk = Sdk.open(client, url, writeKey)) {
        run(sdk, warmupIds, traits, window);
      }
      System.gc();
      Thread.sleep(1_000);
    }
    Result result;
    try (Sdk sdk = Sdk.open(client, url, writeKey)) {
      result = run(sdk, userIds, traits, window);
    }
    System.err.printf(
        Locale.ROOT,
        "%s: %,d calls in %.2f s = %,.0f calls/s; CPU %.2f s (%.1f us/call); %,.0f bytes allocated"
            + "/call; app thread %.0f ns/call; GC %d ms; failed %d%n",
        client,
        result.calls,
        result.seconds(),
        result.callsPerSecond(),
        result.cpuNanos / 1e9,
        result.cpuNanos / 1e3 / result.calls,
        (double) result.allocatedBytes / result.calls,
        (double) result.appNanos / result.calls,
        result.gcMillis,
        result.failed);
    System.out.printf(
        Locale.ROOT,
        "RESULT client=%s calls=%d seconds=%.3f calls_per_s=%.0f cpu_s=%.3f cpu_us_per_call=%.2f"
            + " alloc_bytes_per_call=%.0f app_ns_per_call=%.0f gc_ms=%d failed=%d%n",
        client,
        result.calls,
        result.seconds(),
        result.callsPerSecond(),
        result.cpuNanos / 1e9,
        result.cpuNanos / 1e3 / result.calls,
        (double) result.allocatedBytes / result.calls,
        (double) result.appNanos / result.calls,
        result.gcMillis,
        result.failed);
    System.exit(result.failed == 0 ? 0 : 1);
  }

  /** Sends every id once, from this thread, and waits until each is acknowledged or failed. */
  private static Result run(Sdk sdk, String[] userIds, Map<String, Object>[] traits, int window)
      throws InterruptedException {
    Semaphore unacknowledged = new Semaphore(window);
    LongAdder acknowledged = new LongAdder();
    LongAdder failed = new LongAdder();
    sdk.onOutcome(
        ok -> {
          (ok ? acknowledged : failed).increment();
          unacknowledged.release();
        });
    Allocations allocations = Allocations.start();
    long gcBefore = gcMillis();
    long cpuBefore = processCpuNanos();
    long start = System.nanoTime();
    long appNanos = 0;
    for (int i = 0; i < userIds.length; i++) {
      unacknowledged.acquire();
      long before = System.nanoTime();
      sdk.identify(userIds[i], traits[i % traits.length]);
      appNanos += System.nanoTime() - before;
    }
    sdk.flush();
    while (acknowledged.sum() + failed.sum() < userIds.length) {
      Thread.sleep(1);
    }
    long end = System.nanoTime();
    long cpu = processCpuNanos() - cpuBefore;
    long allocated = allocations.stop();
    return new Result(
        userIds.length, end - start, cpu, allocated, appNanos, gcMillis() - gcBefore, failed.sum());
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object>[] traits() {
    Map<String, Object>[] traits = new Map[TRAIT_MAPS];
    for (int i = 0; i < TRAIT_MAPS; i++) {
      Map<String, Object> map = new LinkedHashMap<>();
      map.put("name", "Peter Gibbons " + i);
      map.put("email", "peter" + i + "@initech.com");
      map.put("plan", i % 2 == 0 ? "premium" : "free");
      map.put("logins", i);
      traits[i] = map;
    }
    return traits;
  }

  private static String[] userIds(String prefix, int count) {
    String[] ids = new String[count];
    for (int i = 0; i < count; i++) {
      ids[i] = prefix + "-" + i;
    }
    return ids;
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static long gcMillis() {
    long total = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      total += Math.max(0, gc.getCollectionTime());
    }
    return total;
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("expected --option value, got " + args[i]);
      }
      options.put(args[i].substring(2), args[i + 1]);
    }
    return options;
  }

  private static final class Result {
    final int calls;
    final long nanos;
    final long cpuNanos;
    final long allocatedBytes;
    final long appNanos;
    final long gcMillis;
    final long failed;

    Result(
        int calls,
        long nanos,
        long cpuNanos,
        long allocatedBytes,
        long appNanos,
        long gcMillis,
        long failed) {
      this.calls = calls;
      this.nanos = nanos;
      this.cpuNanos = cpuNanos;
      this.allocatedBytes = allocatedBytes;
      this.appNanos = appNanos;
      this.gcMillis = gcMillis;
      this.failed = failed;
    }

    double seconds() {
      return nanos / 1e9;
    }

    double callsPerSecond() {
      return calls / seconds();
    }
  }

  /** Bytes allocated by every Java thread but the sampler, from start() to stop(). */
  private static final class Allocations implements Runnable {
    private final com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private final Map<Long, Long> atStart = new HashMap<>();
    private final Map<Long, Long> latest = new HashMap<>();
    private final Thread sampler = new Thread(this, "allocation-sampler");
    private volatile boolean running = true;

    static Allocations start() {
      Allocations allocations = new Allocations();
      allocations.sample(allocations.atStart);
      allocations.sampler.setDaemon(true);
      allocations.sampler.start();
      return allocations;
    }

    @Override
    public void run() {
      while (running) {
        synchronized (latest) {
          sample(latest);
        }
        try {
          TimeUnit.MILLISECONDS.sleep(20);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    private void sample(Map<Long, Long> into) {
      long[] ids = threads.getAllThreadIds();
      long[] bytes = threads.getThreadAllocatedBytes(ids);
      for (int i = 0; i < ids.length; i++) {
        if (ids[i] != sampler.getId() && bytes[i] >= 0) {
          into.put(ids[i], bytes[i]);
        }
      }
    }

    long stop() throws InterruptedException {
      running = false;
      sampler.join();
      sample(latest);
      long total = 0;
      for (Map.Entry<Long, Long> thread : latest.entrySet()) {
        total += thread.getValue() - atStart.getOrDefault(thread.getKey(), 0L);
      }
      return total;
    }
  }
}
