package dev.rollcall.server.http;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * CORS for the tracking API, so that analytics.js on any origin can post to it. Browsers send a
 * preflight for its {@code Authorization} header; the answer allows the headers asked for and is
 * cached for a day. Only the tracking endpoints get this handler: the admin APIs stay same-origin.
 */
public final class Cors implements Handler<RoutingContext> {
  /** How long a browser may cache a preflight answer, in seconds: one day. */
  private static final String MAX_AGE_SECONDS = "86400";

  @Override
  public void handle(RoutingContext ctx) {
    String origin = ctx.request().getHeader("Origin");
    HttpServerResponse response = ctx.response();
    if (origin != null) {
      response.putHeader("Access-Control-Allow-Origin", origin);
      response.putHeader("Access-Control-Allow-Credentials", "true");
      response.putHeader("Vary", "Origin");
    }
    ctx.next();
  }

  /**
   * Answers a preflight ({@code OPTIONS}), after {@link #handle} set the origin's headers. A route
   * of its own, for OPTIONS only, so that the paths' {@code Allow} lists it ({@link
   * AllowedMethods}).
   */
  public void preflight(RoutingContext ctx) {
    String headers = ctx.request().getHeader("Access-Control-Request-Headers");
    ctx.response()
        .putHeader("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
        .putHeader(
            "Access-Control-Allow-Headers",
            headers != null ? headers : "Authorization, Content-Type, Content-Encoding")
        .putHeader("Access-Control-Max-Age", MAX_AGE_SECONDS)
        .setStatusCode(204)
        .end();
  }

  /**
   * Mounts CORS on the paths matching {@code regex}: the origin's headers on every method, and the
   * preflight's answer on OPTIONS.
   */
  public void mount(Router router, String regex) {
    router.routeWithRegex(regex).handler(this);
    router.routeWithRegex(HttpMethod.OPTIONS, regex).handler(this::preflight);
  }
}
