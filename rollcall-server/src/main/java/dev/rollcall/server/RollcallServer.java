package dev.rollcall.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.delivery.DeliveryQueue;
import dev.rollcall.destination.Preview;
import dev.rollcall.internal.Json;
import dev.rollcall.internal.Redacted;
import dev.rollcall.profile.Processor;
import dev.rollcall.server.collect.BodyLimits;
import dev.rollcall.server.collect.Collector;
import dev.rollcall.server.collect.CollectorMetrics;
import dev.rollcall.server.collect.RateLimiter;
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
import dev.rollcall.server.http.AllowedMethods;
import dev.rollcall.server.http.AnalyticsJsSettings;
import dev.rollcall.server.http.Cors;
import dev.rollcall.server.http.InvalidRequests;
import dev.rollcall.server.http.JsonResponses;
import dev.rollcall.server.http.LoggedPaths;
import dev.rollcall.server.profile.ProfileApi;
import dev.rollcall.spec.MessageNormalizer;
import dev.rollcall.storage.LogEntry;
import dev.rollcall.storage.sqlite.SqliteEventLog;
import dev.rollcall.storage.sqlite.SqliteProfileStore;
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
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Rollcall server on the embedded store: the event log in the data directory and the HTTP
 * API on its port. {@link #start} returns once it listens; {@link #close} stops it, committing what
 * was accepted.
 *
 * <p>The data directory is locked ({@code .lock}) so that two servers never write one store.
 */
public final class RollcallServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RollcallServer.class);

  /** The tracking endpoints' last path segment, as in {@code Endpoint}: types, letters, batch. */
  static final String TRACKING =
      "(identify|track|page|screen|group|alias|i|t|p|s|g|a|batch|b|import)";

  /** Where CORS is answered: the tracking endpoints, and analytics.js's settings. */
  static final String CORS_PATHS = "^/+v1/+(" + TRACKING + "/*|projects/.*)$";

  private final ServerConfig config;
  private final List<String> writeKeys;
  private final boolean writeKeyGenerated;
  private final FileChannel lockChannel;
  private final SqliteEventLog log;
  private final SqliteProfileStore profiles;
  private final Processor processor;
  private final DeliveryService delivery;
  private final String adminToken;
  private final boolean adminTokenGenerated;
  private final Vertx vertx;
  private final HttpServer http;
  private final CallFeed feed;

  private RollcallServer(
      ServerConfig config,
      List<String> writeKeys,
      boolean writeKeyGenerated,
      FileChannel lockChannel,
      SqliteEventLog log,
      SqliteProfileStore profiles,
      Processor processor,
      DeliveryService delivery,
      Secrets.Generated adminToken,
      Vertx vertx,
      HttpServer http,
      CallFeed feed) {
    this.config = config;
    this.writeKeys = writeKeys;
    this.writeKeyGenerated = writeKeyGenerated;
    this.lockChannel = lockChannel;
    this.log = log;
    this.profiles = profiles;
    this.processor = processor;
    this.delivery = delivery;
    this.adminToken = adminToken.value();
    this.adminTokenGenerated = adminToken.created();
    this.vertx = vertx;
    this.http = http;
    this.feed = feed;
  }

  public static RollcallServer start(ServerConfig config, Clock clock) throws Exception {
    if (config.tls()) {
      for (Path file : List.of(config.tlsCert(), config.tlsKey())) {
        if (!Files.isReadable(file)) {
          throw new IOException("the TLS file " + file + " cannot be read");
        }
      }
    }
    Path dataDir = config.dataDir();
    Files.createDirectories(dataDir);
    FileChannel lockChannel = lock(dataDir);
    SqliteEventLog log = null;
    SqliteProfileStore profiles = null;
    Processor processor = null;
    DeliveryService delivery = null;
    Vertx vertx = null;
    try {
      // the write keys of writeKeys send to every destination; named sources have their own
      List<String> unnamedKeys = config.writeKeys();
      boolean generated = false;
      if (unnamedKeys.isEmpty() && config.sources().isEmpty()) {
        Secrets.Generated key = Secrets.readOrCreate(dataDir.resolve("write-key"));
        unnamedKeys = List.of(key.value());
        generated = key.created();
      }
      List<String> keys = new ArrayList<>(unnamedKeys);
      config.sources().forEach(source -> keys.add(source.writeKey()));
      Secrets.Generated adminToken =
          config.adminToken() != null
              ? new Secrets.Generated(config.adminToken(), false)
              : Secrets.readOrCreate(dataDir.resolve("admin-token"));
      log =
          SqliteEventLog.open(
              dataDir.resolve("events.db"),
              clock,
              config.dedupWindow(),
              config.maxPendingEntries());
      profiles = SqliteProfileStore.open(dataDir.resolve("profiles.db"));
      processor = new Processor(log, profiles, Processor.DEFAULT_CHUNK);
      CallFeed feed = new CallFeed(CallFeed.DEFAULT_CAPACITY);
      SqliteEventLog openedLog = log;
      processor.onSuppressed(
          dropped -> {
            openedLog.deleteEntries(dropped);
            feed.forget(personKeys(dropped));
          });
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      // heap, GC, threads and CPU: what overload and memory figures are read from
      new JvmMemoryMetrics().bindTo(registry);
      new JvmGcMetrics().bindTo(registry);
      new JvmThreadMetrics().bindTo(registry);
      new ProcessorMetrics().bindTo(registry);
      CollectorMetrics metrics = new CollectorMetrics(registry);
      log.addCommitListener(metrics::committed);
      Processor running = processor;
      log.addCommitListener((entries, nanos) -> running.wake());
      registerProcessorMetrics(registry, processor, clock);
      processor.start();
      delivery =
          DeliveryService.start(
              config,
              unnamedKeys,
              log,
              processor,
              profiles,
              dataDir.resolve("deliveries.db"),
              registry,
              clock);

      vertx = Vertx.vertx();
      WriteKeys writeKeys = new WriteKeys(keys);

      Collector collector =
          new Collector(
              vertx,
              writeKeys,
              new MessageNormalizer(clock),
              log,
              metrics,
              feed,
              clock,
              rateLimiter(config, keys));
      Router router = router(vertx, collector, writeKeys, log, registry);
      ConsoleSessions sessions = new ConsoleSessions(clock);
      AdminAuth adminAuth = new AdminAuth(adminToken.value(), sessions);
      Router admin = Router.router(vertx);
      admin.route().handler(adminAuth);
      new ProfileApi(profiles, openedLog::deletePeople, delivery.queue(), feed).mount(admin);
      router.route("/v1/profiles/*").subRouter(admin);
      PreviewApi previewApi = new PreviewApi(new Preview(new MessageNormalizer(clock)));
      router
          .post("/v1/preview")
          .handler(BodyHandler.create().setBodyLimit(BodyLimits.MAX_MESSAGE_BYTES))
          .handler(adminAuth)
          .handler(previewApi::handle);
      DeliveryApi deliveryApi =
          new DeliveryApi(new DeliveryOps(delivery.queue(), delivery.destinations(), clock));
      router.get("/v1/destinations").handler(adminAuth).handler(deliveryApi::destinations);
      router.get("/v1/deliveries").handler(adminAuth).handler(deliveryApi::deliveries);
      router
          .post("/v1/deliveries/replay")
          .handler(BodyHandler.create().setBodyLimit(BodyLimits.MAX_MESSAGE_BYTES))
          .handler(adminAuth)
          .handler(deliveryApi::replay);
      router.get("/v1/preview").handler(adminAuth).handler(previewApi::names);
      CallStream calls = new CallStream(feed, delivery.destinations());
      router.get("/v1/calls/stream").handler(adminAuth).handler(calls::stream);
      router.get("/v1/calls/recent").handler(adminAuth).handler(calls::recent);
      CallRates rates = new CallRates(feed, clock);
      vertx.setPeriodic(CallRates.SAMPLE_MILLIS, id -> rates.sample());
      router
          .get("/v1/overview")
          .handler(adminAuth)
          .handler(ctx -> JsonResponses.send(ctx.response(), 200, rates.toJson()));
      new ConsoleRoutes(adminAuth, sessions).mount(router);
      new DemoRoutes(config.analyticsJs()).mount(router);
      SqliteEventLog openLog = log;
      DeliveryService deliveries = delivery;
      SqliteProfileStore openProfiles = profiles;
      router
          .get("/health")
          .handler(ctx -> health(ctx, openLog, openProfiles, running, deliveries.queue(), clock));
      HttpServer http =
          vertx
              .createHttpServer(httpOptions(config))
              .requestHandler(router)
              .invalidRequestHandler(RollcallServer.invalidRequests())
              .listen()
              .toCompletionStage()
              .toCompletableFuture()
              .get(30, TimeUnit.SECONDS);
      return new RollcallServer(
          config,
          keys,
          generated,
          lockChannel,
          log,
          profiles,
          processor,
          delivery,
          adminToken,
          vertx,
          http,
          feed);
    } catch (Exception | Error e) {
      if (vertx != null) vertx.close();
      if (delivery != null) delivery.close();
      if (processor != null) processor.close();
      if (profiles != null) profiles.close();
      if (log != null) log.close();
      lockChannel.close();
      throw e;
    }
  }

  /** The per-write-key rate limit, or none when the configuration sets no rate. */
  static RateLimiter rateLimiter(ServerConfig config, List<String> keys) {
    return config.rateLimit() > 0
        ? new RateLimiter(
            config.rateLimit(),
            config.rateLimitBurst(),
            keys.stream().map(WriteKeys::sourceIdOf).toList(),
            System::nanoTime)
        : RateLimiter.NONE;
  }

  /** The person keys (userIds and anonymousIds) of these entries. */
  private static List<String> personKeys(List<LogEntry> entries) {
    List<String> keys = new ArrayList<>();
    for (LogEntry entry : entries) keys.add(entry.personKey());
    return keys;
  }

  /**
   * The longest request line taken, in bytes: any id the collector stores can be addressed in the
   * Profile API's path. A message is at most 32 KB, so an id has fewer than 32,768 bytes of UTF-8,
   * each at most 3 characters percent-encoded ({@code %E4}): 98,304; plus 4 KB for the method, the
   * rest of the path, the query and the HTTP version. Netty only grows its buffer to what a line
   * needs, so a higher bound costs nothing to requests of the usual length (Vert.x's default:
   * 4,096).
   */
  public static final int MAX_INITIAL_LINE_BYTES = 3 * BodyLimits.MAX_MESSAGE_BYTES + 4 * 1024;

  /**
   * Host, port, the idle timeout, the limits of a request's first line and headers, no compression,
   * and HTTPS when a certificate and key are configured.
   */
  static HttpServerOptions httpOptions(ServerConfig config) {
    HttpServerOptions options =
        new HttpServerOptions()
            .setHost(config.host())
            .setPort(config.port())
            .setCompressionSupported(false)
            .setDecompressionSupported(false)
            .setMaxInitialLineLength(MAX_INITIAL_LINE_BYTES)
            .setMaxHeaderSize(HttpServerOptions.DEFAULT_MAX_HEADER_SIZE)
            .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
            .setIdleTimeout((int) Math.min(Integer.MAX_VALUE, config.idleTimeout().toMillis()));
    // HTTP/2 carries the path as a header (:path): its headers may take what HTTP/1.1's request
    // line and headers take together, in bytes, so that a long id is as addressable over h2 or h2c
    options
        .getInitialSettings()
        .setMaxHeaderListSize(MAX_INITIAL_LINE_BYTES + options.getMaxHeaderSize());
    if (config.tls()) {
      options
          .setSsl(true)
          .setKeyCertOptions(
              new PemKeyCertOptions()
                  .setCertPath(config.tlsCert().toString())
                  .setKeyPath(config.tlsKey().toString()));
    }
    return options;
  }

  /** JSON answers to requests over the HTTP limits of {@link #httpOptions}, for both servers. */
  static InvalidRequests invalidRequests() {
    return new InvalidRequests(MAX_INITIAL_LINE_BYTES, HttpServerOptions.DEFAULT_MAX_HEADER_SIZE);
  }

  private static Router router(
      Vertx vertx,
      Collector collector,
      WriteKeys writeKeys,
      SqliteEventLog log,
      PrometheusMeterRegistry registry) {
    Router router = Router.router(vertx);
    Cors cors = new Cors();
    // CORS for the tracking endpoints and analytics.js settings only, not the admin APIs
    cors.mount(router, CORS_PATHS);
    router
        .routeWithRegex(HttpMethod.POST, "^/+v1/+" + TRACKING + "/*$")
        .handler(ctx -> collector.handle(ctx.request()));
    router.get("/v1/projects/:writeKey/settings").handler(ctx -> settings(ctx, writeKeys));
    router
        .get("/metrics")
        .handler(
            ctx ->
                ctx.response()
                    .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                    .end(registry.scrape()));
    lastRoutes(router);
    return router;
  }

  /**
   * The last routes of both servers' routers: 405 with {@code Allow} for a path served under other
   * methods, HEAD as GET, else a 404; and the answer to failures.
   */
  static void lastRoutes(Router router) {
    router
        .route()
        .last()
        .handler(
            AllowedMethods.lastRoute(
                router,
                (ctx, status, message) -> JsonResponses.error(ctx.response(), status, message),
                ctx ->
                    JsonResponses.error(
                        ctx.response(), 404, "nothing at " + ctx.request().path())));
    router.route().failureHandler(RollcallServer::failure);
  }

  static void settings(RoutingContext ctx, WriteKeys writeKeys) {
    String key = ctx.pathParam("writeKey");
    if (writeKeys.authenticate(key) == null) {
      JsonResponses.error(ctx.response(), 404, "unknown write key");
      return;
    }
    String host =
        ctx.request().authority() == null ? "localhost" : ctx.request().authority().toString();
    String scheme = ctx.request().isSSL() ? "https" : "http";
    JsonResponses.send(ctx.response(), 200, AnalyticsJsSettings.of(key, scheme, host));
  }

  /**
   * {@code 200} while the log takes writes, else {@code 503}. The processor's lag (how long the
   * oldest call not yet in the profiles has waited) is reported, not judged: a backlog is not an
   * outage.
   */
  private static void health(
      RoutingContext ctx,
      SqliteEventLog log,
      SqliteProfileStore profiles,
      Processor processor,
      DeliveryQueue deliveries,
      Clock clock) {
    ctx.vertx()
        .executeBlocking(
            () -> {
              boolean writable = log.isWritable();
              ObjectNode body = Json.object();
              body.put("status", writable ? "up" : "down");
              ObjectNode logHealth = body.putObject("log");
              logHealth.put("writable", writable);
              logHealth.put("pending", log.pendingEntries());
              ObjectNode processing = body.putObject("processor");
              processing.put("lagMillis", processor.lagMillis(clock));
              processing.put("checkpoint", processor.checkpoint());
              body.putObject("delivery").put("routedUpTo", deliveries.routedUpTo());
              ObjectNode store = body.putObject("profiles");
              try {
                store.put("checkpoint", profiles.checkpoint());
                store.put("readable", true);
              } catch (RuntimeException e) {
                store.put("readable", false);
                store.put("error", e.getMessage());
              }
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
      PrometheusMeterRegistry registry, Processor processor, Clock clock) {
    FunctionCounter.builder("rollcall.processor.applied", processor, Processor::applied)
        .description("Calls applied to profiles")
        .register(registry);
    FunctionCounter.builder("rollcall.processor.suppressed", processor, Processor::suppressed)
        .description("Calls dropped because their person was deleted with suppression")
        .register(registry);
    FunctionCounter.builder("rollcall.processor.unreadable", processor, Processor::unreadable)
        .description("Stored calls skipped because they are not readable messages")
        .register(registry);
    Gauge.builder("rollcall.processor.lag", processor, p -> p.lagMillis(clock) / 1000.0)
        .description("Age of the oldest call not yet applied to profiles")
        .baseUnit("seconds")
        .register(registry);
  }

  /** A failure in Rollcall itself: logged, and answered without any detail of the inside. */
  static void failure(RoutingContext ctx) {
    if (ctx.statusCode() >= 400 && ctx.statusCode() < 500) {
      JsonResponses.error(ctx.response(), ctx.statusCode(), "the request cannot be handled");
      return;
    }
    LOG.error(
        "internal error on {} {}",
        ctx.request().method(),
        LoggedPaths.of(ctx.request().path()),
        Redacted.of(ctx.failure()));
    LOG.debug(
        "internal error on {} {}", ctx.request().method(), ctx.request().path(), ctx.failure());
    JsonResponses.error(ctx.response(), 500, "internal error; the server's log has the details");
  }

  private static FileChannel lock(Path dataDir) throws IOException {
    FileChannel channel =
        FileChannel.open(
            dataDir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
    if (lock == null) {
      channel.close();
      throw new IOException("another Rollcall server is using the data directory " + dataDir);
    }
    return channel;
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

  /** True when the write key was generated by this start (the first on this data directory). */
  public boolean writeKeyGenerated() {
    return writeKeyGenerated;
  }

  public SqliteEventLog eventLog() {
    return log;
  }

  public SqliteProfileStore profiles() {
    return profiles;
  }

  public Processor processor() {
    return processor;
  }

  public DeliveryService delivery() {
    return delivery;
  }

  /** The last calls the collector saw, for the console's live debugger. */
  public CallFeed feed() {
    return feed;
  }

  /** The admin token: the configured one, or the one generated in the data directory. */
  public String adminToken() {
    return adminToken;
  }

  public boolean adminTokenGenerated() {
    return adminTokenGenerated;
  }

  /** Stops listening, lets the log commit what it accepted, and releases the data directory. */
  @Override
  public void close() {
    try {
      http.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("the HTTP server did not stop cleanly: {}", e.toString());
    }
    delivery.close();
    processor.close();
    log.close();
    profiles.close();
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("Vert.x did not stop cleanly: {}", e.toString());
    }
    try {
      lockChannel.close();
    } catch (IOException e) {
      LOG.warn("cannot release the data directory lock: {}", e.toString());
    }
  }
}
