package dev.rollcall.destination.delivery;

import dev.rollcall.delivery.Delivery;
import dev.rollcall.delivery.DeliveryQueue;
import dev.rollcall.delivery.DeliveryStatus;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.TreeMap;

/**
 * A test double of {@link DeliveryQueue}: in memory, not durable, one lock. Keeps the SPI's rules:
 * no duplicate (destination, messageId), oldest first, and a person's later delivery is not due
 * while an earlier one is PENDING or RETRYING.
 */
final class InMemoryDeliveryQueue implements DeliveryQueue {
  private final Map<Long, Delivery> deliveries = new TreeMap<>();
  private long nextId = 1;

  @Override
  public synchronized void enqueue(List<NewDelivery> batch, long nowMillis) {
    for (NewDelivery d : batch) {
      boolean queued =
          deliveries.values().stream()
              .anyMatch(
                  e ->
                      e.destination().equals(d.destination())
                          && e.messageId().equals(d.messageId()));
      if (queued) continue;
      long id = nextId++;
      deliveries.put(
          id,
          new Delivery(
              id,
              d.destination(),
              d.personKey(),
              d.messageId(),
              d.message().clone(),
              DeliveryStatus.PENDING,
              0,
              nowMillis,
              null));
    }
  }

  @Override
  public synchronized List<Delivery> due(String destination, long nowMillis, int limit) {
    List<Delivery> due = new ArrayList<>();
    Set<String> heldBack = new HashSet<>();
    for (Delivery d : deliveries.values()) {
      if (due.size() >= limit) break;
      if (!d.destination().equals(destination) || !waiting(d)) continue;
      if (!heldBack.add(d.personKey())) continue; // an earlier one of this person still waits
      if (d.nextAttemptAtMillis() <= nowMillis) due.add(d);
    }
    return due;
  }

  private static boolean waiting(Delivery d) {
    return d.status() == DeliveryStatus.PENDING || d.status() == DeliveryStatus.RETRYING;
  }

  @Override
  public synchronized void delivered(long id, long nowMillis) {
    Delivery d = get(id);
    put(d, DeliveryStatus.DELIVERED, d.attempts() + 1, d.nextAttemptAtMillis(), d.lastError());
  }

  @Override
  public synchronized void retry(long id, long nextAttemptAtMillis, String error) {
    Delivery d = get(id);
    put(d, DeliveryStatus.RETRYING, d.attempts() + 1, nextAttemptAtMillis, error);
  }

  @Override
  public synchronized void dead(long id, String error) {
    Delivery d = get(id);
    put(d, DeliveryStatus.DEAD, d.attempts() + 1, d.nextAttemptAtMillis(), error);
  }

  @Override
  public synchronized void skipped(long id, String reason) {
    Delivery d = get(id);
    put(d, DeliveryStatus.SKIPPED, d.attempts(), d.nextAttemptAtMillis(), reason);
  }

  @Override
  public synchronized int replay(String destination, List<Long> ids, long nowMillis) {
    int replayed = 0;
    for (Delivery d : List.copyOf(deliveries.values())) {
      if (!d.destination().equals(destination) || d.status() != DeliveryStatus.DEAD) continue;
      if (!ids.isEmpty() && !ids.contains(d.id())) continue;
      put(d, DeliveryStatus.PENDING, 0, nowMillis, d.lastError());
      replayed++;
    }
    return replayed;
  }

  @Override
  public synchronized Stats stats(String destination) {
    long[] counts = new long[DeliveryStatus.values().length];
    String lastError = null;
    for (Delivery d : deliveries.values()) {
      if (!d.destination().equals(destination)) continue;
      counts[d.status().ordinal()]++;
      if (d.lastError() != null) lastError = d.lastError();
    }
    return new Stats(
        counts[DeliveryStatus.DELIVERED.ordinal()],
        counts[DeliveryStatus.PENDING.ordinal()],
        counts[DeliveryStatus.RETRYING.ordinal()],
        counts[DeliveryStatus.SKIPPED.ordinal()],
        counts[DeliveryStatus.DEAD.ordinal()],
        lastError);
  }

  @Override
  public synchronized List<Delivery> list(String destination, DeliveryStatus status, int limit) {
    List<Delivery> list = new ArrayList<>();
    for (Delivery d : deliveries.values()) {
      if (d.destination().equals(destination) && d.status() == status) list.add(0, d);
    }
    return List.copyOf(list.subList(0, Math.min(limit, list.size())));
  }

  /** The id of the delivery of a message to a destination. */
  synchronized long idOf(String destination, String messageId) {
    return deliveries.values().stream()
        .filter(d -> d.destination().equals(destination) && d.messageId().equals(messageId))
        .findFirst()
        .orElseThrow()
        .id();
  }

  /** The delivery as it stands now. */
  synchronized Delivery get(long id) {
    Delivery d = deliveries.get(id);
    if (d == null) throw new NoSuchElementException("no delivery " + id);
    return d;
  }

  @Override
  public void close() {}

  private void put(Delivery d, DeliveryStatus status, int attempts, long next, String error) {
    deliveries.put(
        d.id(),
        new Delivery(
            d.id(),
            d.destination(),
            d.personKey(),
            d.messageId(),
            d.message(),
            status,
            attempts,
            next,
            error));
  }
}
