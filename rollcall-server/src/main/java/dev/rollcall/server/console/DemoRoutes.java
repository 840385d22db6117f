package dev.rollcall.server.console;

import dev.rollcall.server.http.JsonResponses;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.FileSystemAccess;
import io.vertx.ext.web.handler.StaticHandler;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code /demo}: a page that loads Segment's own browser library, {@code @segment/analytics-next},
 * from this server, points it at this server for both its settings and its API, records an
 * anonymous page view and then makes the spec's identify call.
 *
 * <p>The library is not part of Rollcall: it comes from the npm registry as the package's UMD build
 * ({@code dist/umd}), unpacked in a directory given with {@code --analytics-js DIR}, and is served
 * at {@code /demo/analytics-next/bundles/}, the path its loader derives from the page's {@code
 * analytics._cdn} for the chunks it loads later. Without the directory, the page says how to get
 * it. The page asks for a write key, or takes it from {@code ?writeKey=}: it is not given away to
 * whoever opens the page.
 */
public final class DemoRoutes {
  /** Where the library's UMD files are served. */
  public static final String BUNDLES = "/demo/analytics-next/bundles/";

  private final Path umd;

  /**
   * @param analyticsJs the unpacked package (or its {@code dist/umd} directory), or null
   */
  public DemoRoutes(Path analyticsJs) {
    this.umd = analyticsJs == null ? null : umdDirectory(analyticsJs);
  }

  /** {@code dir/dist/umd} when that is where the UMD build is, else {@code dir} itself. */
  static Path umdDirectory(Path dir) {
    Path nested = dir.resolve("dist").resolve("umd");
    return Files.isRegularFile(nested.resolve("index.js")) ? nested : dir;
  }

  public void mount(Router router) {
    ConsoleRoutes.Asset page = ConsoleRoutes.Asset.load("/demo/demo.html", "demo.html");
    ConsoleRoutes.Asset script = ConsoleRoutes.Asset.load("/demo/demo.js", "demo.js");
    ConsoleRoutes.Asset setup = ConsoleRoutes.Asset.load("/demo/demo-setup.js", "demo-setup.js");
    router
        .route("/demo*")
        .handler(
            ctx -> {
              ctx.response()
                  .putHeader(
                      "Content-Security-Policy",
                      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self';"
                          + " img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'")
                  .putHeader("X-Content-Type-Options", "nosniff");
              ctx.next();
            });
    router.get("/demo").handler(ctx -> ConsoleRoutes.send(ctx, page));
    router.get("/demo/demo.js").handler(ctx -> ConsoleRoutes.send(ctx, script));
    router.get("/demo/demo-setup.js").handler(ctx -> ConsoleRoutes.send(ctx, setup));
    if (umd != null) {
      router
          .get(BUNDLES + "*")
          .handler(
              StaticHandler.create(FileSystemAccess.ROOT, umd.toAbsolutePath().toString())
                  .setCachingEnabled(false)
                  .setDirectoryListing(false));
    }
    router
        .get(BUNDLES + "*")
        .handler(
            ctx ->
                JsonResponses.error(
                    ctx.response(),
                    404,
                    umd == null
                        ? "the server was started without --analytics-js: see the README's demo section"
                        : "no such file of the library in " + umd));
  }
}
