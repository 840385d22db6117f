package dev.rollcall.bench.load;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A closed-loop HTTP load generator for the tracking API: {@code --connections} requests are kept
 * in flight, each sent again as soon as its answer arrives. It posts identify calls shaped like the
 * spec's complete example (a unique {@code userId} and {@code messageId} per call) either as
 * batches to {@code /v1/batch} or one by one to {@code /v1/identify}, and reports the events per
 * second acknowledged with a 200 (Rollcall sends a 200 only once the calls are durable) and the
 * request latency. {@code --pad-bytes N} adds a trait of N characters to each call, for calls up to
 * the collector's 32 KB limit.
 *
 * <p>Run: {@code java -cp rollcall-bench/target/benchmarks.jar
 * dev.rollcall.bench.load.LoadGenerator --url http://127.0.0.1:8080 --write-key KEY --mode batch}.
 * {@code bench/collector.sh} runs it against Rollcall and against {@link BareEndpoint}.
 *
 * <p>Being closed-loop, it measures the latency the server gives under a fixed concurrency, not
 * under a fixed arrival rate: a stalled server delays the next requests rather than queueing them,
 * so p99 understates what an open-loop client would see during stalls.
 */
public final class LoadGenerator {
  /** Width of the call counter spliced into each id, in digits: room for 10^12 calls. */
  private static final int COUNTER_DIGITS = 12;

  /** Stands for the counter in the rendered template; as wide as the counter. */
  private static final byte[] SLOT = "%".repeat(COUNTER_DIGITS).getBytes(StandardCharsets.US_ASCII);

  /** Latency samples kept, at most (8 bytes each): every request of a 20 s run below 200k/s. */
  private static final int MAX_SAMPLES = 4_000_000;

  /** How long to wait for the requests in flight at the end, in seconds. */
  private static final int DRAIN_SECONDS = 10;

  public static void main(String[] args) throws Exception {
    Options options = Options.parse(args);
    Result result = new LoadGenerator(options).run();
    System.out.println(result.describe(options));
    System.out.println(result.machineLine(options));
    System.exit(result.ok == 0 ? 1 : 0);
  }

  private final Options options;
  private final Template template;
  private final AtomicLong nextCall = new AtomicLong();
  private final LongAdder ok = new LongAdder();
  private final LongAdder partial = new LongAdder();
  private final Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
  private final long[] samples = new long[MAX_SAMPLES];
  private final AtomicInteger sampleCount = new AtomicInteger();
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile long measureFrom; // nanoTime: the end of the warm-up
  private volatile long measureUntil; // nanoTime: the end of the measurement
  private volatile boolean stopping;

  private LoadGenerator(Options options) throws IOException {
    this.options = options;
    this.template =
        Template.of(options.batch() ? options.batchSize : 1, options.batch(), options.padBytes);
  }

  private Result run() throws InterruptedException {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(options.threads));
    URI url = options.url;
    int port = url.getPort() > 0 ? url.getPort() : "https".equals(url.getScheme()) ? 443 : 80;
    HttpClient client =
        vertx.createHttpClient(
            new HttpClientOptions()
                .setSsl("https".equals(url.getScheme()))
                .setKeepAlive(true)
                .setTcpNoDelay(true),
            // one connection per concurrent request, spread over the client's event loops
            new PoolOptions()
                .setHttp1MaxSize(options.connections)
                .setEventLoopSize(options.threads));
    String base = url.getPath() == null ? "" : url.getPath().replaceAll("/+$", "");
    String auth =
        "Basic "
            + Base64.getEncoder()
                .encodeToString((options.writeKey + ":").getBytes(StandardCharsets.UTF_8));
    RequestOptions request =
        new RequestOptions()
            .setMethod(HttpMethod.POST)
            .setHost(url.getHost())
            .setPort(port)
            .setURI(base + (options.batch() ? "/v1/batch" : "/v1/identify"))
            .putHeader(HttpHeaders.CONTENT_TYPE, HttpHeaders.createOptimized("application/json"))
            .putHeader(HttpHeaders.AUTHORIZATION, HttpHeaders.createOptimized(auth));

    long cpuBefore = processCpuNanos();
    long start = System.nanoTime();
    measureFrom = start + options.warmupNanos;
    measureUntil = measureFrom + options.durationNanos;
    for (int i = 0; i < options.connections; i++) {
      inFlight.incrementAndGet();
      send(client, request);
    }
    TimeUnit.NANOSECONDS.sleep(measureUntil - System.nanoTime());
    stopping = true;
    long drainUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(DRAIN_SECONDS);
    while (inFlight.get() > 0 && System.nanoTime() < drainUntil) {
      Thread.sleep(10);
    }
    long cpu = processCpuNanos() - cpuBefore;
    CountDownLatch closed = new CountDownLatch(1);
    client.close().eventually(vertx::close).onComplete(done -> closed.countDown());
    closed.await(DRAIN_SECONDS, TimeUnit.SECONDS);
    return result(cpu, System.nanoTime() - start);
  }

  /** Sends one request; its answer sends the next, until the measurement is over. */
  private void send(HttpClient client, RequestOptions request) {
    if (stopping) {
      inFlight.decrementAndGet();
      return;
    }
    Buffer body = template.render(nextCall.getAndAdd(template.calls));
    long sent = System.nanoTime();
    client
        .request(request)
        .compose(req -> req.send(body))
        .compose(
            response ->
                response.body().map(answer -> new Answer(response.statusCode(), answer.length())))
        .onComplete(
            answer -> {
              long now = System.nanoTime();
              if (now >= measureFrom && now < measureUntil) {
                record(answer, now - sent);
              }
              send(client, request);
            });
  }

  private record Answer(int status, int length) {}

  private void record(io.vertx.core.AsyncResult<Answer> answer, long latencyNanos) {
    if (answer.failed()) {
      errors
          .computeIfAbsent(answer.cause().getClass().getSimpleName(), k -> new LongAdder())
          .increment();
      return;
    }
    int status = answer.result().status();
    statuses.computeIfAbsent(status, k -> new LongAdder()).increment();
    if (status != 200) {
      return;
    }
    // {"success":true} is all of a full acknowledgement; a longer 200 lists rejected calls
    if (answer.result().length() > Template.SUCCESS_LENGTH) {
      partial.increment();
      return;
    }
    ok.increment();
    int i = sampleCount.getAndIncrement();
    if (i < MAX_SAMPLES) {
      samples[i] = latencyNanos;
    }
  }

  private Result result(long cpuNanos, long elapsedNanos) {
    int n = Math.min(sampleCount.get(), MAX_SAMPLES);
    long[] sorted = Arrays.copyOf(samples, n);
    Arrays.sort(sorted);
    Map<Integer, Long> byStatus = new TreeMap<>();
    statuses.forEach((status, count) -> byStatus.put(status, count.sum()));
    Map<String, Long> byError = new TreeMap<>();
    errors.forEach((error, count) -> byError.put(error, count.sum()));
    return new Result(
        ok.sum(),
        partial.sum(),
        byStatus,
        byError,
        percentile(sorted, 0.50),
        percentile(sorted, 0.99),
        n == 0 ? 0 : sorted[n - 1],
        cpuNanos,
        elapsedNanos);
  }

  private static long percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return 0;
    }
    return sorted[(int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private record Result(
      long ok,
      long partial,
      Map<Integer, Long> statuses,
      Map<String, Long> errors,
      long p50Nanos,
      long p99Nanos,
      long maxNanos,
      long cpuNanos,
      long elapsedNanos) {

    double seconds(Options options) {
      return options.durationNanos / 1e9;
    }

    double requestsPerSecond(Options options) {
      return ok / seconds(options);
    }

    double eventsPerSecond(Options options) {
      return requestsPerSecond(options) * (options.batch() ? options.batchSize : 1);
    }

    String describe(Options options) {
      long non200 =
          statuses.entrySet().stream()
              .filter(e -> e.getKey() != 200)
              .mapToLong(Map.Entry::getValue)
              .sum();
      return String.format(
          "%s %s x%d, %d connections, %.0f s: %,.0f events/s acknowledged (%,.0f requests/s),"
              + " latency p50 %.2f ms, p99 %.2f ms, max %.2f ms; non-200 %d %s, partial 200s %d,"
              + " errors %d %s; generator CPU %.0f%% of one core",
          options.mode,
          options.url,
          options.batch() ? options.batchSize : 1,
          options.connections,
          seconds(options),
          eventsPerSecond(options),
          requestsPerSecond(options),
          p50Nanos / 1e6,
          p99Nanos / 1e6,
          maxNanos / 1e6,
          non200,
          statuses,
          partial,
          errors.values().stream().mapToLong(Long::longValue).sum(),
          errors,
          100.0 * cpuNanos / elapsedNanos);
    }

    /** One line of key=value pairs for scripts (bench/collector.sh). */
    String machineLine(Options options) {
      return String.format(
          "RESULT mode=%s events_per_s=%.0f requests_per_s=%.0f p50_ms=%.2f p99_ms=%.2f"
              + " max_ms=%.2f ok=%d non200=%d partial=%d errors=%d",
          options.mode,
          eventsPerSecond(options),
          requestsPerSecond(options),
          p50Nanos / 1e6,
          p99Nanos / 1e6,
          maxNanos / 1e6,
          ok,
          statuses.entrySet().stream()
              .filter(e -> e.getKey() != 200)
              .mapToLong(Map.Entry::getValue)
              .sum(),
          partial,
          errors.values().stream().mapToLong(Long::longValue).sum());
    }
  }

  /**
   * The request body, rendered once with placeholder slots for the call counter: each request
   * copies it and writes its counters into the slots, so no JSON is built under load.
   */
  private static final class Template {
    /** Length of {@code {"success":true}}, in bytes. */
    static final int SUCCESS_LENGTH = 16;

    final byte[] bytes;
    final int calls;
    final int[][] slots; // per call, the offsets of its counter's slots

    private Template(byte[] bytes, int calls, int[][] slots) {
      this.bytes = bytes;
      this.calls = calls;
      this.slots = slots;
    }

    /**
     * @param padBytes the length of a {@code padding} trait added to each call, 0 for none: large
     *     calls, up to the collector's 32 KB limit, from the same example
     */
    static Template of(int calls, boolean batch, int padBytes) throws IOException {
      String run = UUID.randomUUID().toString(); // keeps ids unique across runs on one store
      String slot = new String(SLOT, StandardCharsets.US_ASCII);
      String call =
          completeExample()
              .replace("\"traits\":{", "\"traits\":{" + padding(padBytes))
              .replace("\"97980cfea0067\"", "\"bench-" + run.substring(0, 8) + "-" + slot + "\"")
              // still a UUID: 24 characters of the run's, then 12 digits
              .replace(
                  "\"022bb90c-bbac-11e4-8dfc-aa07a5b093db\"",
                  "\"" + run.substring(0, 24) + slot + "\"");
      StringBuilder body = new StringBuilder(batch ? "{\"batch\":[" : "");
      for (int i = 0; i < calls; i++) {
        body.append(i == 0 ? "" : ",").append(call);
      }
      body.append(batch ? "]}" : "");
      byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
      int[] offsets = find(bytes, SLOT);
      int perCall = offsets.length / calls;
      if (perCall != 2 || offsets.length % calls != 0) {
        throw new IllegalStateException("the example's userId or messageId was not replaced");
      }
      int[][] slots = new int[calls][];
      for (int i = 0; i < calls; i++) {
        slots[i] = Arrays.copyOfRange(offsets, i * perCall, (i + 1) * perCall);
      }
      return new Template(bytes, calls, slots);
    }

    /** The body for the calls numbered {@code first} to {@code first + calls - 1}. */
    Buffer render(long first) {
      byte[] out = bytes.clone();
      for (int i = 0; i < calls; i++) {
        long counter = first + i;
        for (int offset : slots[i]) {
          long rest = counter;
          for (int d = COUNTER_DIGITS - 1; d >= 0; d--) {
            out[offset + d] = (byte) ('0' + rest % 10);
            rest /= 10;
          }
        }
      }
      return Buffer.buffer(out);
    }

    private static String padding(int bytes) {
      return bytes == 0 ? "" : "\"padding\":\"" + "x".repeat(bytes) + "\",";
    }

    /** The spec's complete example on one line, as the benchmarks' resource holds it. */
    private static String completeExample() throws IOException {
      try (InputStream in =
          LoadGenerator.class.getResourceAsStream(
              "/dev/rollcall/bench/spec-complete-example.json")) {
        String json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        // the example is pretty-printed without newlines inside strings: drop the layout
        return json.replaceAll("\\n\\s*", "").replace("\": ", "\":");
      }
    }

    private static int[] find(byte[] haystack, byte[] needle) {
      int[] found = new int[16];
      int count = 0;
      outer:
      for (int i = 0; i <= haystack.length - needle.length; i++) {
        for (int j = 0; j < needle.length; j++) {
          if (haystack[i + j] != needle[j]) {
            continue outer;
          }
        }
        if (count == found.length) {
          found = Arrays.copyOf(found, count * 2);
        }
        found[count++] = i;
        i += needle.length - 1;
      }
      return Arrays.copyOf(found, count);
    }
  }

  /** The command line: {@code --name value} pairs, each with a default. */
  private static final class Options {
    URI url = URI.create("http://127.0.0.1:8080");
    String writeKey = "bench-key";
    String mode = "batch";
    int batchSize = 100;
    int connections = 64;
    int threads = 1;
    int padBytes = 0;
    long durationNanos = TimeUnit.SECONDS.toNanos(20);
    long warmupNanos = TimeUnit.SECONDS.toNanos(5);

    boolean batch() {
      return mode.equals("batch");
    }

    static Options parse(String[] args) {
      Options o = new Options();
      for (int i = 0; i < args.length; i++) {
        String name = args[i];
        if (name.equals("--help") || name.equals("-h")) {
          usage(null);
        }
        if (i + 1 >= args.length) {
          usage("missing value for " + name);
        }
        String value = args[++i];
        switch (name) {
          case "--url" -> o.url = URI.create(value);
          case "--write-key" -> o.writeKey = value;
          case "--mode" -> o.mode = value;
          case "--batch-size" -> o.batchSize = Integer.parseInt(value);
          case "--connections" -> o.connections = Integer.parseInt(value);
          case "--threads" -> o.threads = Integer.parseInt(value);
          case "--duration" -> o.durationNanos = nanos(value);
          case "--warmup" -> o.warmupNanos = nanos(value);
          case "--pad-bytes" -> o.padBytes = Integer.parseInt(value);
          default -> usage("unknown option " + name);
        }
      }
      if (!o.mode.equals("batch") && !o.mode.equals("single")) {
        usage("--mode is batch or single, not " + o.mode);
      }
      if (o.url.getHost() == null
          || o.batchSize < 1
          || o.connections < 1
          || o.threads < 1
          || o.padBytes < 0) {
        usage("--url needs a host; sizes and counts must be positive");
      }
      if (o.durationNanos <= 0) {
        usage("--duration must be positive");
      }
      return o;
    }

    /** {@code 20s}, {@code 500ms}, {@code 2m}, or a number of seconds. */
    static long nanos(String value) {
      if (value.endsWith("ms")) {
        return TimeUnit.MILLISECONDS.toNanos(
            Long.parseLong(value.substring(0, value.length() - 2)));
      }
      if (value.endsWith("m")) {
        return TimeUnit.MINUTES.toNanos(Long.parseLong(value.substring(0, value.length() - 1)));
      }
      String seconds = value.endsWith("s") ? value.substring(0, value.length() - 1) : value;
      return (long) (Double.parseDouble(seconds) * 1e9);
    }

    static void usage(String problem) {
      if (problem != null) {
        System.err.println("LoadGenerator: " + problem);
      }
      System.err.println(
          "usage: LoadGenerator [--url http://127.0.0.1:8080] [--write-key bench-key]"
              + " [--mode batch|single] [--batch-size 100] [--connections 64] [--threads 1]"
              + " [--duration 20s] [--warmup 5s] [--pad-bytes 0]");
      System.exit(problem == null ? 0 : 2);
    }
  }
}
