package dev.rollcall.bench.load;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.util.concurrent.TimeUnit;

/**
 * The floor the collector is measured against: a Vert.x HTTP server that reads each request's body
 * and answers {@code 200 {"success":true}}, without parsing, checking or storing anything.
 *
 * <p>It is set up as Rollcall's server is (one {@code HttpServer} created outside a verticle, so
 * one event loop; no compression), so that the ratio of the two isolates what Rollcall does per
 * request.
 *
 * <p>Run: {@code java -cp rollcall-bench/target/benchmarks.jar dev.rollcall.bench.load.BareEndpoint
 * --port 8081 [--host 127.0.0.1]}; it serves until killed.
 */
public final class BareEndpoint {
  private static final Buffer SUCCESS = Buffer.buffer("{\"success\":true}");
  private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");

  public static void main(String[] args) throws Exception {
    String host = "127.0.0.1";
    int port = 8081;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--host" -> host = args[i + 1];
        case "--port" -> port = Integer.parseInt(args[i + 1]);
        default -> {
          System.err.println("usage: BareEndpoint [--port 8081] [--host 127.0.0.1]");
          System.exit(2);
        }
      }
    }
    Vertx vertx = Vertx.vertx();
    HttpServer server =
        vertx
            .createHttpServer(
                new HttpServerOptions()
                    .setHost(host)
                    .setPort(port)
                    .setCompressionSupported(false)
                    .setDecompressionSupported(false))
            .requestHandler(
                request ->
                    request
                        .body()
                        .onComplete(
                            body ->
                                request
                                    .response()
                                    .putHeader(HttpHeaders.CONTENT_TYPE, JSON)
                                    .end(SUCCESS.copy())))
            .listen()
            .toCompletionStage()
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
    System.out.println("bare endpoint listening on http://" + host + ":" + server.actualPort());
  }
}
