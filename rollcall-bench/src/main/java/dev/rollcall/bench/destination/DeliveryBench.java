package dev.rollcall.bench.destination;

import dev.rollcall.Message;
import dev.rollcall.delivery.DeliveryQueue.NewDelivery;
import dev.rollcall.destination.Destinations;
import dev.rollcall.destination.HttpSender;
import dev.rollcall.destination.delivery.DeliveryWorker;
import dev.rollcall.destination.delivery.DestinationConfig;
import dev.rollcall.destination.delivery.RetryPolicy;
import dev.rollcall.internal.Json;
import dev.rollcall.spec.MessageNormalizer;
import dev.rollcall.storage.sqlite.SqliteDeliveryQueue;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * End-to-end deliveries per second: {@code N} identify calls (the spec's complete example, one
 * person each) in a fresh SQLite delivery queue, sent by one {@link DeliveryWorker} to a local
 * Vert.x stub (its own event loop, same machine) that answers {@code 200 {"status":1,"error":null}}
 * (what Mixpanel's verbose engage answers); the clock runs from the first send to the last
 * "delivered" commit. Also times the enqueue (the router's write).
 *
 * <p>Run: {@code java -cp rollcall-bench/target/benchmarks.jar
 * dev.rollcall.bench.destination.DeliveryBench [N=20000]
 * [destinations=webhook,mixpanel,amplitude,intercom]} ({@code -Dconcurrency=4}: requests in flight,
 * the server's default).
 */
public final class DeliveryBench {
  /** Requests in flight per worker: the server's default. */
  static final int CONCURRENCY = Integer.getInteger("concurrency", 4);

  public static void main(String[] args) throws Exception {
    int count = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    String[] destinations =
        (args.length > 1 ? args[1] : "webhook,mixpanel,amplitude,intercom").split(",");
    AtomicLong requests = new AtomicLong();
    Vertx vertx = Vertx.vertx();
    Buffer answer = Buffer.buffer("{\"status\":1,\"error\":null}");
    HttpServer stub =
        vertx
            .createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
            .requestHandler(
                request ->
                    request
                        .body()
                        .onComplete(
                            body -> {
                              requests.incrementAndGet();
                              request.response().end(answer.copy());
                            }))
            .listen()
            .toCompletionStage()
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
    String base = "http://127.0.0.1:" + stub.actualPort();
    MessageNormalizer normalizer = new MessageNormalizer(Clock.systemUTC());
    System.out.printf(
        "%-12s %10s %14s %14s %10s%n",
        "destination", "calls", "enqueue/s", "delivered/s", "requests");
    try {
      for (String name : destinations) {
        requests.set(0);
        Path dir = Files.createTempDirectory("rollcall-delivery-bench");
        Map<String, String> settings = new HashMap<>(DestinationBenchmark.settingsFor(name));
        settings.replaceAll((k, v) -> v.replace("http://127.0.0.1:1", base));
        DestinationConfig config = DestinationConfig.of(Destinations.find(name), settings);
        try (SqliteDeliveryQueue queue = SqliteDeliveryQueue.open(dir.resolve("deliveries.db"))) {
          long enqueueStart = System.nanoTime();
          List<NewDelivery> chunk = new ArrayList<>();
          for (int i = 0; i < count; i++) {
            String json =
                DestinationBenchmark.COMPLETE_EXAMPLE
                    .replace("97980cfea0067", "user-" + i)
                    .replace("022bb90c-bbac-11e4-8dfc-aa07a5b093db", "message-" + i);
            Message message =
                normalizer
                    .normalize(Json.read(json.getBytes(StandardCharsets.UTF_8)), null, null)
                    .message();
            chunk.add(
                new NewDelivery(config.name(), "user-" + i, "message-" + i, message.toJson()));
            if (chunk.size() == 1_000 || i == count - 1) {
              queue.enqueue(chunk, System.currentTimeMillis());
              chunk.clear();
            }
          }
          double enqueueSeconds = (System.nanoTime() - enqueueStart) / 1e9;
          DeliveryWorker worker =
              new DeliveryWorker(
                  config,
                  queue,
                  new HttpSender(Duration.ofSeconds(10)),
                  new RetryPolicy(new Random(1)),
                  Clock.systemUTC(),
                  CONCURRENCY);
          long start = System.nanoTime();
          int round = Math.max(100, config.destination().maxBatchSize());
          while (true) {
            if (worker.runOnce(round) > 0) continue;
            var stats = queue.stats(config.name());
            if (stats.pending() + stats.retrying() == 0) break;
            Thread.sleep(10); // a retry is waiting for its backoff
          }
          double seconds = (System.nanoTime() - start) / 1e9;
          long delivered = queue.stats(config.name()).delivered();
          if (delivered != count) {
            throw new IllegalStateException(name + ": delivered " + delivered + " of " + count);
          }
          long retried = worker.counts().retried();
          if (retried > 0) System.out.println(name + ": " + retried + " retried attempts");
          System.out.printf(
              "%-12s %10d %14.0f %14.0f %10d%n",
              name, count, count / enqueueSeconds, count / seconds, requests.get());
        }
      }
    } finally {
      vertx.close();
    }
  }
}
