package dev.rollcall.server.http;

import dev.rollcall.server.config.Secrets;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.security.MessageDigest;

/**
 * Guards the APIs that read or delete people's data: they need {@code Authorization: Bearer TOKEN}
 * with the admin token. A write key is not enough. Only the token's SHA-256 is held, and it is
 * compared in constant time.
 */
public final class AdminAuth implements Handler<RoutingContext> {
  private final byte[] tokenHash;

  public AdminAuth(String token) {
    this.tokenHash = Secrets.sha256(token);
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (allows(ctx.request().getHeader("Authorization"))) {
      ctx.next();
      return;
    }
    ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"rollcall admin\"");
    ProfileErrors.send(
        ctx.response(),
        401,
        "authentication_error",
        "this API needs the admin token: Authorization: Bearer TOKEN (a write key is not enough)");
  }

  boolean allows(String authorization) {
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return false;
    }
    byte[] presented = Secrets.sha256(authorization.substring(7).trim());
    return MessageDigest.isEqual(presented, tokenHash);
  }
}
