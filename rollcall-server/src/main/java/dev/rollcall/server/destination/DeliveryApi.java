package dev.rollcall.server.destination;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.internal.Json;
import dev.rollcall.server.destination.DeliveryOps.OpsException;
import dev.rollcall.server.http.JsonResponses;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The delivery operations over HTTP, mounted behind the admin token:
 *
 * <ul>
 *   <li>{@code GET /v1/destinations}: per destination, deliveries by status and the last error;
 *   <li>{@code GET /v1/deliveries?destination=&status=&limit=}: deliveries, newest first;
 *   <li>{@code POST /v1/deliveries/replay} with {@code {"destination": "mixpanel", "ids": [1, 2]}}:
 *       dead deliveries back in the queue ({@code ids} omitted: all of the destination's; {@code
 *       destination} omitted too: every destination's) → {@code {"replayed": 2}}.
 * </ul>
 */
public final class DeliveryApi {
  private final DeliveryOps ops;

  public DeliveryApi(DeliveryOps ops) {
    this.ops = ops;
  }

  public void destinations(RoutingContext ctx) {
    answer(ctx, ops::destinations);
  }

  public void deliveries(RoutingContext ctx) {
    String limit = ctx.request().getParam("limit");
    Integer parsed;
    try {
      parsed = limit == null ? null : Integer.valueOf(limit.trim());
    } catch (NumberFormatException e) {
      JsonResponses.error(ctx.response(), 400, "limit must be a whole number, not " + limit);
      return;
    }
    String destination = blankToNull(ctx.request().getParam("destination"));
    String status = blankToNull(ctx.request().getParam("status"));
    answer(ctx, () -> ops.deliveries(destination, status, parsed));
  }

  public void replay(RoutingContext ctx) {
    Buffer buffer = ctx.body().buffer();
    JsonNode body;
    try {
      body = buffer == null || buffer.length() == 0 ? Json.object() : Json.read(buffer.getBytes());
    } catch (IOException e) {
      JsonResponses.error(
          ctx.response(), 400, "the body is not JSON: " + e.getMessage().split("\n", 2)[0]);
      return;
    }
    if (!body.isObject()) {
      JsonResponses.error(ctx.response(), 400, "the body must be a JSON object");
      return;
    }
    JsonNode destination = body.get("destination");
    if (destination != null && !destination.isNull() && !destination.isTextual()) {
      JsonResponses.error(ctx.response(), 400, "destination must be a string");
      return;
    }
    List<Long> ids = new ArrayList<>();
    JsonNode idList = body.get("ids");
    if (idList != null && !idList.isNull()) {
      if (!idList.isArray()) {
        JsonResponses.error(ctx.response(), 400, "ids must be a list of delivery ids");
        return;
      }
      for (JsonNode id : idList) {
        if (!id.canConvertToExactIntegral() || !id.canConvertToLong()) {
          JsonResponses.error(ctx.response(), 400, "ids must be whole numbers, not " + id);
          return;
        }
        ids.add(id.longValue());
      }
    }
    String name = destination == null || destination.isNull() ? null : destination.textValue();
    answer(ctx, () -> ops.replay(name, ids));
  }

  private static void answer(RoutingContext ctx, Callable<ObjectNode> work) {
    ctx.vertx()
        .executeBlocking(work, false)
        .onComplete(
            result -> {
              if (result.succeeded()) {
                JsonResponses.send(ctx.response(), 200, result.result());
              } else if (result.cause() instanceof OpsException e) {
                JsonResponses.error(ctx.response(), e.status(), e.getMessage());
              } else {
                ctx.fail(result.cause());
              }
            });
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }
}
