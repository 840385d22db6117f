package dev.rollcall.server.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.MessageType;
import dev.rollcall.destination.delivery.DeliveryRouter;
import dev.rollcall.destination.delivery.DestinationConfig;
import dev.rollcall.internal.Json;
import dev.rollcall.spec.Dates;
import dev.rollcall.spec.Warning;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * A feed entry as the console reads it. Made by the reader (the SSE stream, the recent-calls API),
 * never on the collector's path: parsing the raw and normalized bytes happens here.
 *
 * <pre>{@code
 * {"seq": 7, "receivedAt": "...", "status": "accepted", "endpoint": "identify", "source": "src_...",
 *  "type": "identify", "userId": "...", "anonymousId": "...", "messageId": "...",
 *  "warnings": [{"warning": "...", "path": "traits.email"}], "routedTo": ["mixpanel-eu", ...],
 *  "raw": {...}, "normalized": {...}}
 * }</pre>
 *
 * Rejected entries carry {@code error}, {@code path} and {@code httpStatus} instead of {@code
 * normalized}. A raw body that is not JSON is given as the string {@code rawText}. A {@code
 * writeKey} in the raw body is replaced by {@value #REDACTED}: the console shows calls, not keys.
 */
public final class FeedJson {
  static final String REDACTED = "(redacted)";

  private FeedJson() {}

  /**
   * @param destinations the configured destinations, for {@code routedTo}
   */
  public static ObjectNode of(FeedEntry entry, List<DestinationConfig> destinations) {
    ObjectNode json = Json.object();
    json.put("seq", entry.seq());
    json.put("receivedAt", Dates.format(Instant.ofEpochMilli(entry.receivedAtMillis())));
    json.put("status", entry.status());
    json.put("endpoint", entry.endpoint());
    json.put("source", entry.sourceId());
    json.put("type", entry.type() == null ? null : entry.type().wireName());
    json.put("userId", entry.userId());
    json.put("anonymousId", entry.anonymousId());
    json.put("messageId", entry.messageId());
    ArrayNode warnings = json.putArray("warnings");
    for (Warning warning : entry.warnings()) {
      warnings.add(warning.toJson());
    }
    if (entry.rejected()) {
      json.put("error", entry.error());
      json.put("path", entry.path());
      json.put("httpStatus", entry.httpStatus());
    }
    raw(json, entry.raw());
    if (entry.normalized() != null) {
      try {
        JsonNode normalized = Json.read(entry.normalized());
        json.set("routedTo", routedTo(entry, normalized, destinations));
        json.set("normalized", normalized);
      } catch (IOException e) {
        json.put("normalized", (String) null);
      }
    }
    return json;
  }

  /**
   * The names of the configured destinations the call goes to, as the delivery router decides:
   * those that take its source's calls and that its {@code integrations} object enables.
   * Destinations take identify calls only, so the other types reach none.
   */
  static ArrayNode routedTo(
      FeedEntry entry, JsonNode message, List<DestinationConfig> destinations) {
    ArrayNode names = Json.MAPPER.createArrayNode();
    if (entry.type() != MessageType.IDENTIFY) return names;
    ObjectNode object = message instanceof ObjectNode ? (ObjectNode) message : null;
    for (DestinationConfig destination :
        DeliveryRouter.routes(entry.sourceId(), object, destinations)) {
      names.add(destination.name());
    }
    return names;
  }

  private static void raw(ObjectNode json, byte[] raw) {
    if (raw == null) {
      json.putNull("raw");
      return;
    }
    try {
      JsonNode parsed = Json.read(raw);
      if (parsed instanceof ObjectNode && parsed.has("writeKey")) {
        ((ObjectNode) parsed).put("writeKey", REDACTED);
      }
      json.set("raw", parsed);
    } catch (IOException e) {
      json.putNull("raw");
      json.put("rawText", new String(raw, StandardCharsets.UTF_8));
    }
  }
}
