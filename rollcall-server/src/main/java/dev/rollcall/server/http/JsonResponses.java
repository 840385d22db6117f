package dev.rollcall.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.internal.Json;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

/** JSON answers in Rollcall's one shape: {@code {"success": ..., "error": ..., ...}}. */
public final class JsonResponses {
  private static final Buffer SUCCESS = Buffer.buffer("{\"success\":true}");

  private JsonResponses() {}

  public static void success(HttpServerResponse response) {
    response.setStatusCode(200).putHeader("Content-Type", "application/json").end(SUCCESS.copy());
  }

  public static void send(HttpServerResponse response, int status, ObjectNode body) {
    if (response.ended() || response.closed()) {
      return;
    }
    response
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(Buffer.buffer(Json.write(body)));
  }

  /** {@code {"success": false, "error": error}}, to which callers may add fields. */
  public static ObjectNode error(String error) {
    ObjectNode body = Json.object();
    body.put("success", false);
    body.put("error", error);
    return body;
  }

  public static void error(HttpServerResponse response, int status, String error) {
    send(response, status, error(error));
  }

  /** A 503 or 429 that tells the client when to try again, in seconds. */
  public static void retryLater(
      HttpServerResponse response, int status, int seconds, String error) {
    if (response.ended() || response.closed()) {
      return;
    }
    response.putHeader("Retry-After", Integer.toString(seconds));
    send(response, status, error(error));
  }
}
