package dev.rollcall.server.http;

import dev.rollcall.server.config.Secrets;
import dev.rollcall.server.console.ConsoleSessions;
import io.vertx.core.Handler;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.security.MessageDigest;

/**
 * Guards the APIs that read or delete people's data. Two ways in:
 *
 * <ul>
 *   <li>{@code Authorization: Bearer TOKEN} with the admin token, for scripts and curl. A write key
 *       is not enough. Only the token's SHA-256 is held, and it is compared in constant time.
 *   <li>the console's session cookie ({@link ConsoleSessions}), which a browser gets by signing in
 *       with the token at {@code /console/sign-in}. A request that changes something (any method
 *       but GET, HEAD and OPTIONS) must also carry {@value #CONSOLE_HEADER}: the cookie is already
 *       {@code SameSite=Strict}, and a form on another site cannot set a header either.
 * </ul>
 */
public final class AdminAuth implements Handler<RoutingContext> {
  /** The header the console's scripts send with every request that changes something. */
  public static final String CONSOLE_HEADER = "X-Rollcall-Console";

  private final byte[] tokenHash;
  private final ConsoleSessions sessions;

  /** Bearer tokens only. */
  public AdminAuth(String token) {
    this(token, null);
  }

  /**
   * @param sessions the console's sessions, or null to accept the Bearer token only
   */
  public AdminAuth(String token, ConsoleSessions sessions) {
    this.tokenHash = Secrets.sha256(token);
    this.sessions = sessions;
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    if (allows(request.getHeader("Authorization")) || allowsSession(request)) {
      ctx.next();
      return;
    }
    ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"rollcall admin\"");
    ProfileErrors.send(
        ctx.response(),
        401,
        "authentication_error",
        "this API needs the admin token: Authorization: Bearer TOKEN (a write key is not enough),"
            + " or a console session");
  }

  boolean allows(String authorization) {
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return false;
    }
    byte[] presented = Secrets.sha256(authorization.substring(7).trim());
    return MessageDigest.isEqual(presented, tokenHash);
  }

  /** True when the request carries a live console session (and the header, if it changes data). */
  public boolean allowsSession(HttpServerRequest request) {
    if (sessions == null) return false;
    Cookie cookie = request.getCookie(ConsoleSessions.COOKIE);
    if (cookie == null || !sessions.valid(cookie.getValue())) return false;
    HttpMethod method = request.method();
    boolean safe =
        method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS;
    return safe || request.getHeader(CONSOLE_HEADER) != null;
  }

  /** True when the admin token is {@code token}; compared in constant time. */
  public boolean isToken(String token) {
    return token != null && MessageDigest.isEqual(Secrets.sha256(token.trim()), tokenHash);
  }
}
