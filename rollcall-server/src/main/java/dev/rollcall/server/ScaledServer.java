package dev.rollcall.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.destination.Preview;
import dev.rollcall.destination.delivery.DeliveryRouter;
import dev.rollcall.destination.delivery.DestinationConfig;
import dev.rollcall.internal.Json;
import dev.rollcall.log.kafka.KafkaEventLog;
import dev.rollcall.log.kafka.KafkaProcessor;
import dev.rollcall.log.kafka.KafkaSettings;
import dev.rollcall.server.collect.BodyLimits;
import dev.rollcall.server.collect.Collector;
import dev.rollcall.server.collect.CollectorMetrics;
import dev.rollcall.server.config.Role;
import dev.rollcall.server.config.ScaleOut;
import dev.rollcall.server.config.Secrets;
import dev.rollcall.server.config.ServerConfig;
import dev.rollcall.server.config.WriteKeys;
import dev.rollcall.server.console.CallFeed;
import dev.rollcall.server.console.CallRates;
import dev.rollcall.server.console.CallStream;
import dev.rollcall.server.console.ConsoleRoutes;
import dev.rollcall.server.console.ConsoleSessions;
import dev.rollcall.server.console.DemoRoutes;
import dev.rollcall.server.destination.DeliveryApi;
import dev.rollcall.server.destination.DeliveryOps;
import dev.rollcall.server.destination.DeliveryService;
import dev.rollcall.server.destination.PreviewApi;
import dev.rollcall.server.http.AdminAuth;
import dev.rollcall.server.http.Cors;
import dev.rollcall.server.http.JsonResponses;
import dev.rollcall.server.profile.ProfileApi;
import dev.rollcall.spec.MessageNormalizer;
import dev.rollcall.storage.postgres.PostgresDeliveryQueue;
import dev.rollcall.storage.postgres.PostgresProfileStore;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Rollcall server on Kafka and PostgreSQL ({@code log: kafka}, {@code store: postgres}), in one
 * of the roles of {@link Role}; run as many as needed, in any mix, on one topic and one database.
 *
 * <ul>
 *   <li><b>collector</b>: the tracking API; appends calls to the topic and answers {@code 200} once
 *       Kafka acknowledged them, {@code 503} with {@code Retry-After} when it does not answer.
 *       Needs no database.
 *   <li><b>processor</b>: a member of the topic's consumer group; applies the calls of its
 *       partitions to the profiles and, in the same transaction, queues their deliveries.
 *   <li><b>delivery</b>: one worker per destination on the shared queues; workers of several
 *       servers never send one delivery twice ({@link PostgresDeliveryQueue}).
 *   <li><b>all</b>: all three in one server.
 * </ul>
 *
 * Every server answers {@code GET /health} and {@code /metrics}; those with the database
 * (processor, delivery, all) also serve the admin APIs (profiles, destinations, deliveries,
 * preview) and the console. The data directory only keeps a generated write key and admin token,
 * for a first try on one machine: with several servers, configure both.
 */
public final class ScaledServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ScaledServer.class);

  private final ServerConfig config;
  private final List<String> writeKeys;
  private final boolean writeKeyGenerated;
  private final String adminToken;
  private final KafkaEventLog log;
  private final PostgresProfileStore profiles;
  private final PostgresDeliveryQueue queue;
  private final KafkaProcessor processor;
  private final DeliveryService delivery;
  private final Vertx vertx;
  private final HttpServer http;

  private ScaledServer(Parts parts, HttpServer http) {
    this.config = parts.config;
    this.writeKeys = parts.keys;
    this.writeKeyGenerated = parts.writeKeyGenerated;
    this.adminToken = parts.adminToken;
    this.log = parts.log;
    this.profiles = parts.profiles;
    this.queue = parts.queue;
    this.processor = parts.processor;
    this.delivery = parts.delivery;
    this.vertx = parts.vertx;
    this.http = http;
  }

  /** What a start has opened so far: closed in reverse if the start fails. */
  private static final class Parts {
    ServerConfig config;
    List<String> keys;
    List<String> unnamedKeys;
    boolean writeKeyGenerated;
    String adminToken;
    KafkaEventLog log;
    PostgresProfileStore profiles;
    PostgresDeliveryQueue queue;
    KafkaProcessor processor;
    DeliveryService delivery;
    Vertx vertx;

    void close() {
      if (vertx != null) vertx.close();
      if (delivery != null) delivery.close();
      if (processor != null) processor.close();
      if (queue != null) queue.close();
      if (profiles != null) profiles.close();
      if (log != null) log.close();
    }
  }

  /** The Kafka settings of a configuration. */
  public static KafkaSettings kafkaSettings(ServerConfig config) {
    ScaleOut scaleOut = config.scaleOut();
    return KafkaSettings.builder(scaleOut.bootstrapServers())
        .topic(scaleOut.topic())
        .partitions(scaleOut.partitions())
        .replicationFactor(scaleOut.replicationFactor())
        .group(scaleOut.group())
        .ackTimeout(scaleOut.ackTimeout())
        .applyThreads(scaleOut.applyThreads())
        .maxPendingEntries(config.maxPendingEntries())
        .build();
  }

  public static ScaledServer start(ServerConfig config, Clock clock) throws Exception {
    if (config.scaleOut() == null) {
      throw new IllegalArgumentException("not a configuration with log: kafka, store: postgres");
    }
    Role role = config.role();
    Parts parts = new Parts();
    parts.config = config;
    try {
      Path dataDir = config.dataDir();
      Files.createDirectories(dataDir);
      List<String> unnamedKeys = config.writeKeys();
      if (unnamedKeys.isEmpty() && config.sources().isEmpty()) {
        Secrets.Generated key = Secrets.readOrCreate(dataDir.resolve("write-key"));
        unnamedKeys = List.of(key.value());
        parts.writeKeyGenerated = key.created();
      }
      parts.unnamedKeys = unnamedKeys;
      parts.keys = new ArrayList<>(unnamedKeys);
      config.sources().forEach(source -> parts.keys.add(source.writeKey()));
      parts.adminToken =
          config.adminToken() != null
              ? config.adminToken()
              : Secrets.readOrCreate(dataDir.resolve("admin-token")).value();
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      new JvmMemoryMetrics().bindTo(registry);
      new JvmGcMetrics().bindTo(registry);
      new JvmThreadMetrics().bindTo(registry);
      new ProcessorMetrics().bindTo(registry);
      KafkaSettings kafka = kafkaSettings(config);
      ScaleOut scaleOut = config.scaleOut();
      // settings of destinations are checked by every role, so that a wrong one stops any start
      List<DestinationConfig> destinations = DeliveryService.configure(config, unnamedKeys);
      if (role.runs(Role.COLLECTOR)) {
        parts.log = KafkaEventLog.open(kafka);
      }
      boolean store = role != Role.COLLECTOR;
      if (store) {
        parts.profiles =
            PostgresProfileStore.open(
                scaleOut.postgresUrl(), scaleOut.postgresUser(), scaleOut.postgresPassword());
        parts.queue =
            PostgresDeliveryQueue.open(
                scaleOut.postgresUrl(), scaleOut.postgresUser(), scaleOut.postgresPassword());
      }
      if (role.runs(Role.PROCESSOR)) {
        parts.processor =
            KafkaProcessor.builder(kafka, parts.profiles)
                .name("rollcall-processor-" + ProcessHandle.current().pid())
                .onApply(
                    (writer, applied) ->
                        PostgresDeliveryQueue.enqueue(
                            writer,
                            DeliveryRouter.deliveries(applied, destinations),
                            clock.millis()))
                .build();
        registerProcessorMetrics(registry, parts.processor);
        parts.processor.start();
      }
      if (store) {
        parts.delivery =
            DeliveryService.startWorkers(
                config, destinations, parts.queue, role.runs(Role.DELIVERY), registry, clock);
      }
      parts.vertx = Vertx.vertx();
      Router router = router(parts, registry, clock);
      HttpServer http =
          parts
              .vertx
              .createHttpServer(RollcallServer.httpOptions(config))
              .requestHandler(router)
              .invalidRequestHandler(RollcallServer.invalidRequests())
              .listen()
              .toCompletionStage()
              .toCompletableFuture()
              .get(30, TimeUnit.SECONDS);
      LOG.info("Rollcall {} on Kafka and PostgreSQL: {}", role.wireName(), scaleOut);
      return new ScaledServer(parts, http);
    } catch (Exception | Error e) {
      parts.close();
      throw e;
    }
  }

  private static Router router(Parts parts, PrometheusMeterRegistry registry, Clock clock) {
    Vertx vertx = parts.vertx;
    Router router = Router.router(vertx);
    WriteKeys writeKeys = new WriteKeys(parts.keys);
    CallFeed feed = new CallFeed(CallFeed.DEFAULT_CAPACITY);
    if (parts.log != null) {
      CollectorMetrics metrics = new CollectorMetrics(registry);
      Collector collector =
          new Collector(
              vertx,
              writeKeys,
              new MessageNormalizer(clock),
              parts.log,
              metrics,
              feed,
              clock,
              RollcallServer.rateLimiter(parts.config, parts.keys));
      Cors cors = new Cors();
      cors.mount(router, RollcallServer.CORS_PATHS);
      router
          .routeWithRegex(HttpMethod.POST, "^/+v1/+" + RollcallServer.TRACKING + "/*$")
          .handler(ctx -> collector.handle(ctx.request()));
      router
          .get("/v1/projects/:writeKey/settings")
          .handler(ctx -> RollcallServer.settings(ctx, writeKeys));
      new DemoRoutes(parts.config.analyticsJs()).mount(router);
    }
    router
        .get("/metrics")
        .handler(
            ctx ->
                ctx.response()
                    .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                    .end(registry.scrape()));
    router.get("/health").handler(ctx -> health(ctx, parts));
    if (parts.profiles != null) {
      ConsoleSessions sessions = new ConsoleSessions(clock);
      AdminAuth adminAuth = new AdminAuth(parts.adminToken, sessions);
      Router admin = Router.router(vertx);
      admin.route().handler(adminAuth);
      // a Kafka topic cannot delete single calls: retention removes them, and suppression keeps
      // a deleted person's calls from being applied again
      new ProfileApi(parts.profiles, personKeys -> 0, parts.queue, feed).mount(admin);
      router.route("/v1/profiles/*").subRouter(admin);
      PreviewApi previewApi = new PreviewApi(new Preview(new MessageNormalizer(clock)));
      router
          .post("/v1/preview")
          .handler(BodyHandler.create().setBodyLimit(BodyLimits.MAX_MESSAGE_BYTES))
          .handler(adminAuth)
          .handler(previewApi::handle);
      router.get("/v1/preview").handler(adminAuth).handler(previewApi::names);
      DeliveryApi deliveryApi =
          new DeliveryApi(new DeliveryOps(parts.queue, parts.delivery.destinations(), clock));
      router.get("/v1/destinations").handler(adminAuth).handler(deliveryApi::destinations);
      router.get("/v1/deliveries").handler(adminAuth).handler(deliveryApi::deliveries);
      router
          .post("/v1/deliveries/replay")
          .handler(BodyHandler.create().setBodyLimit(BodyLimits.MAX_MESSAGE_BYTES))
          .handler(adminAuth)
          .handler(deliveryApi::replay);
      CallStream calls = new CallStream(feed, parts.delivery.destinations());
      router.get("/v1/calls/stream").handler(adminAuth).handler(calls::stream);
      router.get("/v1/calls/recent").handler(adminAuth).handler(calls::recent);
      CallRates rates = new CallRates(feed, clock);
      vertx.setPeriodic(CallRates.SAMPLE_MILLIS, id -> rates.sample());
      router
          .get("/v1/overview")
          .handler(adminAuth)
          .handler(ctx -> JsonResponses.send(ctx.response(), 200, rates.toJson()));
      new ConsoleRoutes(adminAuth, sessions).mount(router);
    }
    RollcallServer.lastRoutes(router);
    return router;
  }

  /**
   * {@code 200} while this server's parts work: a collector's log takes writes (Kafka answered its
   * last acknowledgement), the database answers. The processor's lag, in records, is reported, not
   * judged.
   */
  private static void health(RoutingContext ctx, Parts parts) {
    ctx.vertx()
        .executeBlocking(
            () -> {
              boolean up = true;
              ObjectNode body = Json.object();
              body.put("role", parts.config.role().wireName());
              if (parts.log != null) {
                boolean writable = parts.log.isWritable();
                up = writable;
                ObjectNode log = body.putObject("log");
                log.put("kafka", parts.config.scaleOut().bootstrapServers());
                log.put("writable", writable);
                log.put("pending", parts.log.pendingEntries());
              }
              if (parts.processor != null) {
                ObjectNode processing = body.putObject("processor");
                ArrayNode partitions = processing.putArray("partitions");
                parts.processor.partitions().forEach(partitions::add);
                processing.put("lagRecords", parts.processor.lagRecords());
                processing.put("applied", parts.processor.applied());
              }
              if (parts.profiles != null) {
                ObjectNode store = body.putObject("profiles");
                try {
                  parts.profiles.partitionOffsets(parts.config.scaleOut().topic());
                  store.put("readable", true);
                } catch (RuntimeException e) {
                  up = false;
                  store.put("readable", false);
                  store.put("error", e.getMessage());
                }
              }
              body.put("status", up ? "up" : "down");
              return body;
            },
            false)
        .onComplete(
            result -> {
              if (result.failed()) {
                JsonResponses.error(
                    ctx.response(), 503, "health check failed: " + result.cause().getMessage());
              } else {
                boolean up = result.result().get("status").textValue().equals("up");
                JsonResponses.send(ctx.response(), up ? 200 : 503, result.result());
              }
            });
  }

  private static void registerProcessorMetrics(
      PrometheusMeterRegistry registry, KafkaProcessor processor) {
    FunctionCounter.builder("rollcall.processor.applied", processor, KafkaProcessor::applied)
        .description("Calls applied to profiles")
        .register(registry);
    FunctionCounter.builder("rollcall.processor.suppressed", processor, KafkaProcessor::suppressed)
        .description("Calls dropped because their person was deleted with suppression")
        .register(registry);
    FunctionCounter.builder("rollcall.processor.unreadable", processor, KafkaProcessor::unreadable)
        .description("Stored calls skipped because they are not readable messages")
        .register(registry);
    Gauge.builder("rollcall.processor.lag.records", processor, KafkaProcessor::lagRecords)
        .description("Calls not applied yet in the partitions this processor holds")
        .register(registry);
  }

  /** The port the server listens on (the one picked, when configured as 0). */
  public int port() {
    return http.actualPort();
  }

  public ServerConfig config() {
    return config;
  }

  /** The write keys that authenticate sources: the configured ones, or the generated one. */
  public List<String> writeKeys() {
    return writeKeys;
  }

  public boolean writeKeyGenerated() {
    return writeKeyGenerated;
  }

  public String adminToken() {
    return adminToken;
  }

  /** The collector's log; null unless the role collects. */
  public KafkaEventLog eventLog() {
    return log;
  }

  /** Null for a collector. */
  public PostgresProfileStore profiles() {
    return profiles;
  }

  /** Null unless the role processes. */
  public KafkaProcessor processor() {
    return processor;
  }

  /** Null for a collector. */
  public DeliveryService delivery() {
    return delivery;
  }

  /**
   * Stops listening, then lets the log have Kafka acknowledge what it accepted, the processor
   * finish its transaction and leave the group, and the workers finish their requests.
   */
  @Override
  public void close() {
    try {
      http.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("the HTTP server did not stop cleanly: {}", e.toString());
    }
    if (log != null) log.close();
    if (processor != null) processor.close();
    if (delivery != null) delivery.close();
    if (queue != null) queue.close();
    if (profiles != null) profiles.close();
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("Vert.x did not stop cleanly: {}", e.toString());
    }
  }
}
