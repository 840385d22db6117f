package dev.rollcall.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.internal.Json;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

/**
 * Errors of the Profile API, in the shape of Segment's Profile API: {@code {"error": {"code":
 * "not_found", "message": "Profile was not found."}}}.
 */
public final class ProfileErrors {
  private ProfileErrors() {}

  public static void send(HttpServerResponse response, int status, String code, String message) {
    if (response.ended() || response.closed()) {
      return;
    }
    ObjectNode body = Json.object();
    ObjectNode error = body.putObject("error");
    error.put("code", code);
    error.put("message", message);
    response
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(Buffer.buffer(Json.write(body)));
  }
}
