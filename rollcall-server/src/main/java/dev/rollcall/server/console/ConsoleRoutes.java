package dev.rollcall.server.console;

import dev.rollcall.server.http.AdminAuth;
import dev.rollcall.server.http.JsonResponses;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The web console at {@code /console}: plain HTML, CSS and JavaScript served from the jar, talking
 * to the admin APIs with the browser's session cookie.
 *
 * <p>Sign-in: {@code GET /console/sign-in} shows a form; {@code POST /console/sign-in} with the
 * admin token ({@code token=...}, form-encoded) sets the {@code HttpOnly}, {@code SameSite=Strict}
 * session cookie and goes to the overview; a wrong token goes back to the form with a message.
 * {@code POST /console/sign-out} ends the session. The pages themselves redirect to the form
 * without a session; scripts keep using {@code Authorization: Bearer TOKEN} on the APIs (see {@link
 * AdminAuth}).
 *
 * <p>Every console response forbids framing and any script, style, image or connection from another
 * origin (Content-Security-Policy), so the console makes no request to other hosts.
 */
public final class ConsoleRoutes {
  /** The resources under {@code /console/} in the jar, by the path they are served at. */
  private static final String[] ASSETS = {
    "console.css",
    "common.js",
    "overview.js",
    "debugger.js",
    "profiles.js",
    "destinations.js",
    "sign-in.js"
  };

  /** The pages, by path under /console/, and the file each is. */
  private static final Map<String, String> PAGES =
      Map.of(
          "", "index.html",
          "debugger", "debugger.html",
          "profiles", "profiles.html",
          "destinations", "destinations.html");

  static final String CONTENT_SECURITY_POLICY =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
          + " connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

  private final AdminAuth auth;
  private final ConsoleSessions sessions;
  private final Map<String, Asset> files = new LinkedHashMap<>();

  public ConsoleRoutes(AdminAuth auth, ConsoleSessions sessions) {
    this.auth = auth;
    this.sessions = sessions;
  }

  /** Loads the files from the jar and mounts the routes. */
  public void mount(Router router) {
    for (String name : ASSETS) files.put(name, Asset.load(name));
    for (String name : PAGES.values()) files.put(name, Asset.load(name));
    files.put("sign-in.html", Asset.load("sign-in.html"));

    router.route("/console*").handler(ConsoleRoutes::securityHeaders);
    router
        .get("/console")
        .handler(
            ctx -> {
              // the route matches "/console/" too; only the bare path is sent on
              if (ctx.request().path().equals("/console")) redirect(ctx, "/console/");
              else ctx.next();
            });
    router.get("/console/sign-in").handler(ctx -> send(ctx, files.get("sign-in.html")));
    router
        .post("/console/sign-in")
        .handler(BodyHandler.create().setBodyLimit(4096).setHandleFileUploads(false))
        .handler(this::signIn);
    router
        .post("/console/sign-out")
        .handler(BodyHandler.create().setBodyLimit(4096).setHandleFileUploads(false))
        .handler(this::signOut);
    router.get("/console/assets/:name").handler(this::asset);
    router.getWithRegex("/console/([a-z]*)").handler(this::page);
  }

  private void page(RoutingContext ctx) {
    String file = PAGES.get(ctx.pathParam("param0"));
    if (file == null) {
      ctx.next();
      return;
    }
    if (!auth.allowsSession(ctx.request())) {
      redirect(ctx, "/console/sign-in");
      return;
    }
    send(ctx, files.get(file));
  }

  private void asset(RoutingContext ctx) {
    String name = ctx.pathParam("name");
    Asset asset = files.get(name);
    if (asset == null || name.endsWith(".html")) {
      ctx.next();
      return;
    }
    send(ctx, asset);
  }

  private void signIn(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    String token = request.getFormAttribute("token");
    if (!auth.isToken(token)) {
      redirect(ctx, "/console/sign-in?failed=1");
      return;
    }
    Cookie cookie =
        Cookie.cookie(ConsoleSessions.COOKIE, sessions.create())
            .setPath("/")
            .setHttpOnly(true)
            .setSameSite(CookieSameSite.STRICT)
            .setSecure(request.isSSL())
            .setMaxAge(ConsoleSessions.LIFETIME.toSeconds());
    ctx.response().addCookie(cookie);
    redirect(ctx, "/console/");
  }

  private void signOut(RoutingContext ctx) {
    Cookie cookie = ctx.request().getCookie(ConsoleSessions.COOKIE);
    if (cookie != null) sessions.end(cookie.getValue());
    ctx.response()
        .addCookie(
            Cookie.cookie(ConsoleSessions.COOKIE, "")
                .setPath("/")
                .setHttpOnly(true)
                .setSameSite(CookieSameSite.STRICT)
                .setMaxAge(0));
    redirect(ctx, "/console/sign-in?signedOut=1");
  }

  private static void securityHeaders(RoutingContext ctx) {
    ctx.response()
        .putHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("X-Frame-Options", "DENY")
        .putHeader("Referrer-Policy", "no-referrer");
    ctx.next();
  }

  private static void redirect(RoutingContext ctx, String location) {
    ctx.response().setStatusCode(303).putHeader("Location", location).end();
  }

  static void send(RoutingContext ctx, Asset asset) {
    HttpServerResponse response = ctx.response();
    if (asset == null) {
      JsonResponses.error(response, 404, "nothing at " + ctx.request().path());
      return;
    }
    response
        .putHeader("Content-Type", asset.contentType)
        .putHeader("Cache-Control", "no-cache")
        .end(asset.bytes.copy());
  }

  /** A file of the console, read once from the jar. */
  static final class Asset {
    final Buffer bytes;
    final String contentType;

    private Asset(Buffer bytes, String contentType) {
      this.bytes = bytes;
      this.contentType = contentType;
    }

    static Asset load(String name) {
      return load("/console/" + name, name);
    }

    static Asset load(String resource, String name) {
      try (InputStream in = ConsoleRoutes.class.getResourceAsStream(resource)) {
        if (in == null) throw new IllegalStateException("missing from the jar: " + resource);
        return new Asset(Buffer.buffer(in.readAllBytes()), contentType(name));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    static String contentType(String name) {
      if (name.endsWith(".html")) return "text/html; charset=utf-8";
      if (name.endsWith(".css")) return "text/css; charset=utf-8";
      if (name.endsWith(".js")) return "text/javascript; charset=utf-8";
      if (name.endsWith(".svg")) return "image/svg+xml";
      return "application/octet-stream";
    }
  }
}
