package dev.rollcall.server.destination;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.delivery.Delivery;
import dev.rollcall.delivery.DeliveryQueue;
import dev.rollcall.delivery.DeliveryStatus;
import dev.rollcall.destination.Destination;
import dev.rollcall.destination.Destinations;
import dev.rollcall.destination.delivery.DestinationConfig;
import dev.rollcall.internal.Json;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The operations on the delivery queues that {@code GET /v1/destinations}, {@code GET
 * /v1/deliveries}, {@code POST /v1/deliveries/replay} and the CLI share, with their JSON. Blocking:
 * call them off the event loop.
 */
public final class DeliveryOps {
  public static final int DEFAULT_LIMIT = 100;
  public static final int MAX_LIMIT = 1_000;

  private final DeliveryQueue queue;
  private final Clock clock;

  /** Name → adapter name, for the destinations configured now. */
  private final Map<String, String> configured = new TreeMap<>();

  public DeliveryOps(DeliveryQueue queue, List<DestinationConfig> destinations, Clock clock) {
    this.queue = queue;
    this.clock = clock;
    for (DestinationConfig d : destinations) configured.put(d.name(), d.destination().name());
  }

  /** A request the operations cannot answer: a 4xx with the field at fault. */
  public static final class OpsException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int status;

    OpsException(int status, String message) {
      super(message);
      this.status = status;
    }

    public int status() {
      return status;
    }
  }

  /** Every destination configured or with deliveries, and its counts by status. */
  public ObjectNode destinations() {
    ObjectNode body = Json.object();
    ArrayNode list = body.putArray("destinations");
    for (String name : names()) {
      DeliveryQueue.Stats stats = queue.stats(name);
      ObjectNode d = list.addObject();
      d.put("name", name);
      d.put("type", type(name));
      d.put("configured", configured.containsKey(name));
      d.put("delivered", stats.delivered());
      d.put("pending", stats.pending());
      d.put("retrying", stats.retrying());
      d.put("skipped", stats.skipped());
      d.put("dead", stats.dead());
      d.put("lastError", stats.lastError());
    }
    return body;
  }

  /**
   * Deliveries, newest first.
   *
   * @param destination a destination's name, matched as Segment's are; null for every one
   * @param status a status, any case; null for every status
   */
  public ObjectNode deliveries(String destination, String status, Integer limit)
      throws OpsException {
    List<String> names = destination == null ? names() : List.of(known(destination));
    List<DeliveryStatus> statuses =
        status == null ? List.of(DeliveryStatus.values()) : List.of(status(status));
    int max = limit(limit);
    List<Delivery> found = new ArrayList<>();
    for (String name : names) {
      for (DeliveryStatus s : statuses) found.addAll(queue.list(name, s, max));
    }
    found.sort(Comparator.comparingLong(Delivery::id).reversed());
    ObjectNode body = Json.object();
    ArrayNode list = body.putArray("deliveries");
    found.stream().limit(max).forEach(d -> list.add(json(d)));
    return body;
  }

  /**
   * Puts dead deliveries back in their queue.
   *
   * @param destination the destination; null for every one (then {@code ids} must be empty)
   * @param ids the dead deliveries to replay; empty for all of the destination's
   */
  public ObjectNode replay(String destination, List<Long> ids) throws OpsException {
    if (destination == null && !ids.isEmpty()) {
      throw new OpsException(400, "destination is required with ids");
    }
    List<String> names = destination == null ? names() : List.of(known(destination));
    int replayed = 0;
    for (String name : names) replayed += queue.replay(name, ids, clock.millis());
    ObjectNode body = Json.object();
    body.put("replayed", replayed);
    return body;
  }

  private List<String> names() {
    TreeMap<String, Boolean> names = new TreeMap<>();
    configured.keySet().forEach(n -> names.put(n, true));
    queue.destinations().forEach(n -> names.put(n, true));
    return new ArrayList<>(names.keySet());
  }

  private String known(String destination) throws OpsException {
    String key = Destination.key(destination);
    if (!names().contains(key)) {
      throw new OpsException(
          404, "destination " + destination + " is not configured and has no deliveries");
    }
    return key;
  }

  private String type(String name) {
    String type = configured.get(name);
    if (type != null) return type;
    Destination adapter = Destinations.find(name);
    return adapter == null ? null : adapter.name();
  }

  private static DeliveryStatus status(String status) throws OpsException {
    try {
      return DeliveryStatus.valueOf(status.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new OpsException(
          400,
          "status must be one of "
              + List.of(DeliveryStatus.values()).toString().toLowerCase(Locale.ROOT)
              + ", not "
              + status);
    }
  }

  private static int limit(Integer limit) throws OpsException {
    if (limit == null) return DEFAULT_LIMIT;
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new OpsException(400, "limit must be from 1 to " + MAX_LIMIT + ", not " + limit);
    }
    return limit;
  }

  static ObjectNode json(Delivery delivery) {
    ObjectNode d = Json.object();
    d.put("id", delivery.id());
    d.put("destination", delivery.destination());
    d.put("messageId", delivery.messageId());
    d.put("personKey", delivery.personKey());
    d.put("status", delivery.status().name());
    d.put("attempts", delivery.attempts());
    d.put("nextAttemptAt", Instant.ofEpochMilli(delivery.nextAttemptAtMillis()).toString());
    d.put("lastError", delivery.lastError());
    try {
      JsonNode message = Json.read(delivery.message());
      d.set("message", message);
    } catch (IOException e) {
      d.put("message", "(not readable as JSON: " + e.getMessage().split("\n", 2)[0] + ")");
    }
    return d;
  }
}
