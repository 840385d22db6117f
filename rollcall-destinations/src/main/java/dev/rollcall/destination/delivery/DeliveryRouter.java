package dev.rollcall.destination.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.MessageType;
import dev.rollcall.delivery.DeliveryQueue;
import dev.rollcall.delivery.DeliveryQueue.NewDelivery;
import dev.rollcall.destination.Integrations;
import dev.rollcall.internal.Json;
import dev.rollcall.internal.Redacted;
import dev.rollcall.storage.EventLog;
import dev.rollcall.storage.LogEntry;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fills the delivery queues from the event log: each identify call goes to every configured
 * destination that takes calls from its source and that its {@code integrations} object enables.
 *
 * <p>The router follows the processor: it reads only up to the processor's checkpoint, so a call is
 * delivered after the profile has it (the console shows a profile and its deliveries that agree).
 * Its own mark, how far it has routed, is in the delivery queue and moves in the same transaction
 * as the enqueue ({@link DeliveryQueue#enqueue(List, long, long)}): a crash at any moment neither
 * loses a call's deliveries nor queues them twice (and the queue's unique (destination, messageId)
 * would absorb a repeat anyway).
 *
 * <p>A call of a person deleted with suppression is not routed (the processor dropped it from the
 * profiles too), so a forgotten person's later calls never leave Rollcall.
 *
 * <p>A destination added to the configuration gets the calls routed from then on, not the history.
 * A stored identify that cannot be read is still queued, so the worker records why it is skipped.
 */
public final class DeliveryRouter implements AutoCloseable {
  static final int CHUNK = 1_000;
  static final long IDLE_POLL_MILLIS = 50;
  static final long RETRY_MILLIS = 1_000;
  private static final Logger LOG = LoggerFactory.getLogger(DeliveryRouter.class);

  private final EventLog log;
  private final LongSupplier processedUpTo;
  private final DeliveryQueue queue;
  private final List<DestinationConfig> destinations;
  private final Clock clock;
  private final Predicate<ObjectNode> forgotten;
  private Thread thread;
  private volatile boolean running;

  /** A router that forgets no one. */
  public DeliveryRouter(
      EventLog log,
      LongSupplier processedUpTo,
      DeliveryQueue queue,
      List<DestinationConfig> destinations,
      Clock clock) {
    this(log, processedUpTo, queue, destinations, clock, message -> false);
  }

  /**
   * @param processedUpTo the offset the processor has applied every call up to
   * @param forgotten true for a call whose person was deleted with suppression: not routed
   */
  public DeliveryRouter(
      EventLog log,
      LongSupplier processedUpTo,
      DeliveryQueue queue,
      List<DestinationConfig> destinations,
      Clock clock,
      Predicate<ObjectNode> forgotten) {
    this.forgotten = forgotten;
    this.log = log;
    this.processedUpTo = processedUpTo;
    this.queue = queue;
    this.destinations = List.copyOf(destinations);
    this.clock = clock;
  }

  /** Routes the next chunk of processed calls; returns how many log entries it read. */
  public int routeOnce() {
    long from = queue.routedUpTo();
    long upTo = processedUpTo.getAsLong();
    if (upTo <= from) return 0;
    List<LogEntry> entries = log.read(from, CHUNK);
    List<NewDelivery> deliveries = new ArrayList<>();
    long last = from;
    int read = 0;
    for (LogEntry entry : entries) {
      if (entry.offset() > upTo) break;
      last = entry.offset();
      read++;
      if (entry.type() == MessageType.IDENTIFY) route(entry, deliveries);
    }
    if (read > 0) queue.enqueue(deliveries, clock.millis(), last);
    return read;
  }

  private void route(LogEntry entry, List<NewDelivery> deliveries) {
    ObjectNode message = message(entry);
    if (message != null && forgotten.test(message)) return;
    route(entry, message, destinations, deliveries);
  }

  /**
   * The deliveries of {@code entries}: each identify call to every destination that takes calls
   * from its source and that its {@code integrations} object enables. For a processor that queues
   * deliveries in its own transaction (with the log on Kafka), instead of a router that follows it;
   * the calls are those applied, so none of a suppressed person.
   */
  public static List<NewDelivery> deliveries(
      List<LogEntry> entries, List<DestinationConfig> destinations) {
    List<NewDelivery> deliveries = new ArrayList<>();
    if (destinations.isEmpty()) return deliveries;
    for (LogEntry entry : entries) {
      if (entry.type() == MessageType.IDENTIFY) {
        route(entry, message(entry), destinations, deliveries);
      }
    }
    return deliveries;
  }

  private static void route(
      LogEntry entry,
      ObjectNode message,
      List<DestinationConfig> destinations,
      List<NewDelivery> deliveries) {
    for (DestinationConfig destination : routes(entry.sourceId(), message, destinations)) {
      deliveries.add(
          new NewDelivery(destination.name(), entry.personKey(), entry.messageId(), entry.json()));
    }
  }

  /**
   * The configured destinations an identify call from {@code sourceId} goes to: those that take
   * calls from its source and that its {@code integrations} object enables.
   *
   * @param message the call, or null when it cannot be read (its integrations are then {@code {}})
   */
  public static List<DestinationConfig> routes(
      String sourceId, ObjectNode message, List<DestinationConfig> destinations) {
    ObjectNode integrations =
        message != null && message.get("integrations") instanceof ObjectNode object
            ? object
            : Json.object();
    List<DestinationConfig> routes = new ArrayList<>();
    for (DestinationConfig destination : destinations) {
      if (destination.takesFrom(sourceId)
          && Integrations.enabled(integrations, destination.destination().name())) {
        routes.add(destination);
      }
    }
    return routes;
  }

  /** The stored call, or null when it cannot be read (queued all the same: the worker says why). */
  private static ObjectNode message(LogEntry entry) {
    try {
      JsonNode message = Json.read(entry.json());
      return message instanceof ObjectNode object ? object : null;
    } catch (IOException e) {
      return null;
    }
  }

  /** Starts routing in a daemon thread until {@link #close()}. */
  public synchronized void start() {
    if (thread != null) return;
    running = true;
    thread = new Thread(this::loop, "rollcall-router");
    thread.setDaemon(true);
    thread.start();
  }

  private void loop() {
    while (running) {
      long pause = 0;
      try {
        if (routeOnce() < CHUNK) pause = IDLE_POLL_MILLIS;
      } catch (RuntimeException e) {
        LOG.error(
            "routing calls to destinations failed; retrying in {} ms",
            RETRY_MILLIS,
            Redacted.of(e));
        LOG.debug("routing calls to destinations failed", e);
        pause = RETRY_MILLIS;
      }
      if (pause > 0) {
        try {
          Thread.sleep(pause);
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }

  /** Stops after the chunk in hand; what is not routed yet is routed at the next start. */
  @Override
  public synchronized void close() {
    running = false;
    if (thread == null) return;
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    thread = null;
  }
}
