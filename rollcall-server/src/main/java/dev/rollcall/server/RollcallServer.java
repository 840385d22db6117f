package dev.rollcall.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.internal.Json;
import dev.rollcall.server.collect.Collector;
import dev.rollcall.server.collect.CollectorMetrics;
import dev.rollcall.server.config.Secrets;
import dev.rollcall.server.config.ServerConfig;
import dev.rollcall.server.config.WriteKeys;
import dev.rollcall.server.http.AnalyticsJsSettings;
import dev.rollcall.server.http.Cors;
import dev.rollcall.server.http.JsonResponses;
import dev.rollcall.spec.MessageNormalizer;
import dev.rollcall.storage.sqlite.SqliteEventLog;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
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

  private final ServerConfig config;
  private final List<String> writeKeys;
  private final boolean writeKeyGenerated;
  private final FileChannel lockChannel;
  private final SqliteEventLog log;
  private final Vertx vertx;
  private final HttpServer http;

  private RollcallServer(
      ServerConfig config,
      List<String> writeKeys,
      boolean writeKeyGenerated,
      FileChannel lockChannel,
      SqliteEventLog log,
      Vertx vertx,
      HttpServer http) {
    this.config = config;
    this.writeKeys = writeKeys;
    this.writeKeyGenerated = writeKeyGenerated;
    this.lockChannel = lockChannel;
    this.log = log;
    this.vertx = vertx;
    this.http = http;
  }

  public static RollcallServer start(ServerConfig config, Clock clock) throws Exception {
    Path dataDir = config.dataDir();
    Files.createDirectories(dataDir);
    FileChannel lockChannel = lock(dataDir);
    SqliteEventLog log = null;
    Vertx vertx = null;
    try {
      List<String> keys = config.writeKeys();
      boolean generated = false;
      if (keys.isEmpty()) {
        Secrets.Generated key = Secrets.readOrCreate(dataDir.resolve("write-key"));
        keys = List.of(key.value());
        generated = key.created();
      }
      log =
          SqliteEventLog.open(
              dataDir.resolve("events.db"),
              clock,
              config.dedupWindow(),
              config.maxPendingEntries());
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      CollectorMetrics metrics = new CollectorMetrics(registry);
      log.addCommitListener(metrics::committed);

      vertx = Vertx.vertx();
      WriteKeys writeKeys = new WriteKeys(keys);
      Collector collector =
          new Collector(vertx, writeKeys, new MessageNormalizer(clock), log, metrics);
      Router router = router(vertx, collector, writeKeys, log, registry);
      HttpServer http =
          vertx
              .createHttpServer(
                  new HttpServerOptions()
                      .setHost(config.host())
                      .setPort(config.port())
                      .setCompressionSupported(false)
                      .setDecompressionSupported(false))
              .requestHandler(router)
              .listen()
              .toCompletionStage()
              .toCompletableFuture()
              .get(30, TimeUnit.SECONDS);
      return new RollcallServer(config, keys, generated, lockChannel, log, vertx, http);
    } catch (Exception | Error e) {
      if (vertx != null) vertx.close();
      if (log != null) log.close();
      lockChannel.close();
      throw e;
    }
  }

  private static Router router(
      Vertx vertx,
      Collector collector,
      WriteKeys writeKeys,
      SqliteEventLog log,
      PrometheusMeterRegistry registry) {
    Router router = Router.router(vertx);
    Cors cors = new Cors();
    router.routeWithRegex("^/+v1/.*").handler(cors);
    router
        .routeWithRegex(HttpMethod.POST, "^/+v1/+[a-z]+/*$")
        .handler(ctx -> collector.handle(ctx.request()));
    router.get("/v1/projects/:writeKey/settings").handler(ctx -> settings(ctx, writeKeys));
    router.get("/health").handler(ctx -> health(ctx, log));
    router
        .get("/metrics")
        .handler(
            ctx ->
                ctx.response()
                    .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                    .end(registry.scrape()));
    router
        .route()
        .last()
        .handler(
            ctx -> JsonResponses.error(ctx.response(), 404, "nothing at " + ctx.request().path()));
    router.route().failureHandler(RollcallServer::failure);
    return router;
  }

  private static void settings(RoutingContext ctx, WriteKeys writeKeys) {
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

  private static void health(RoutingContext ctx, SqliteEventLog log) {
    boolean writable = log.isWritable();
    ObjectNode body = Json.object();
    body.put("status", writable ? "up" : "down");
    ObjectNode logHealth = body.putObject("log");
    logHealth.put("writable", writable);
    logHealth.put("pending", log.pendingEntries());
    JsonResponses.send(ctx.response(), writable ? 200 : 503, body);
  }

  /** A failure in Rollcall itself: logged, and answered without any detail of the inside. */
  private static void failure(RoutingContext ctx) {
    if (ctx.statusCode() >= 400 && ctx.statusCode() < 500) {
      JsonResponses.error(ctx.response(), ctx.statusCode(), "the request cannot be handled");
      return;
    }
    LOG.error(
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

  /** Stops listening, lets the log commit what it accepted, and releases the data directory. */
  @Override
  public void close() {
    try {
      http.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("the HTTP server did not stop cleanly: {}", e.toString());
    }
    log.close();
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
