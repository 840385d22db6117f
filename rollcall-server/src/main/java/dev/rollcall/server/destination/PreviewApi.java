package dev.rollcall.server.destination;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.destination.Destination;
import dev.rollcall.destination.Destinations;
import dev.rollcall.destination.Preview;
import dev.rollcall.internal.Json;
import dev.rollcall.server.http.JsonResponses;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code POST /v1/preview?destination=mixpanel[&set=token=abc...]}: the body is a message; the
 * answer is the JSON array of requests the destination would be sent, without sending. A call the
 * destination would not get answers {@code []} with the reason in the {@code Rollcall-Skipped}
 * header. Mounted behind the admin token and a body limit.
 */
public final class PreviewApi {
  private final Preview preview;

  public PreviewApi(Preview preview) {
    this.preview = preview;
  }

  /** {@code GET /v1/preview}: {@code {"destinations": ["mixpanel", ...]}}, the names it takes. */
  public void names(RoutingContext ctx) {
    ObjectNode body = Json.object();
    ArrayNode names = body.putArray("destinations");
    for (Destination destination : Destinations.all()) {
      names.add(destination.name());
    }
    JsonResponses.send(ctx.response(), 200, body);
  }

  public void handle(RoutingContext ctx) {
    String name = ctx.request().getParam("destination");
    Destination destination = name == null ? null : Destinations.find(name);
    if (destination == null) {
      JsonResponses.error(
          ctx.response(),
          400,
          "destination must name one of: "
              + Destinations.names()
              + (name == null ? "" : "; got " + name));
      return;
    }
    Map<String, String> settings = new LinkedHashMap<>();
    for (String set : ctx.queryParam("set")) {
      int eq = set.indexOf('=');
      if (eq <= 0) {
        JsonResponses.error(ctx.response(), 400, "set must be key=value, not " + set);
        return;
      }
      settings.put(set.substring(0, eq), set.substring(eq + 1));
    }
    Buffer body = ctx.body().buffer();
    JsonNode message;
    try {
      message = Json.read(body == null ? new byte[0] : body.getBytes());
    } catch (IOException e) {
      JsonResponses.error(
          ctx.response(),
          400,
          "the body is not a JSON object: " + e.getMessage().split("\n", 2)[0]);
      return;
    }
    Preview.Result result = preview.preview(destination, message, settings);
    if (result.invalid()) {
      ObjectNode error = JsonResponses.error(result.error());
      error.put("path", result.path());
      JsonResponses.send(ctx.response(), 400, error);
      return;
    }
    if (result.skipReason() != null) {
      ctx.response().putHeader("Rollcall-Skipped", result.skipReason());
    }
    ctx.response()
        .setStatusCode(200)
        .putHeader("Content-Type", "application/json")
        .end(Buffer.buffer(Json.write(result.requests())));
  }
}
