package dev.rollcall.delivery;

import java.util.List;
import java.util.Optional;

/**
 * Durable queues of deliveries, one per destination. Implementations are safe for concurrent use
 * and every method that changes a delivery is durable when it returns.
 *
 * <p>Order: a delivery is not due while an earlier delivery (lower id) of the same destination and
 * person is PENDING or RETRYING, so each person's calls reach a destination in order. A DEAD or
 * SKIPPED delivery does not hold the person's later ones back.
 */
public interface DeliveryQueue extends AutoCloseable {
  /** A delivery to enqueue: the call for one destination. */
  record NewDelivery(String destination, String personKey, String messageId, byte[] message) {}

  /**
   * Enqueues as PENDING, due now; a (destination, messageId) already queued is not queued twice.
   */
  default void enqueue(List<NewDelivery> deliveries, long nowMillis) {
    enqueue(deliveries, nowMillis, -1);
  }

  /**
   * Enqueues and, in the same transaction, records that the event log has been routed up to {@code
   * routedUpTo} (an offset; {@code -1} leaves the mark as it is), so a crash between the two cannot
   * lose or repeat a call's deliveries.
   */
  void enqueue(List<NewDelivery> deliveries, long nowMillis, long routedUpTo);

  /** The event log offset the router has enqueued every call up to; 0 at first. */
  long routedUpTo();

  /**
   * Up to {@code limit} deliveries of {@code destination} due at {@code nowMillis}, oldest first,
   * at most the head of each person's queue.
   */
  List<Delivery> due(String destination, long nowMillis, int limit);

  /** Marks deliveries DELIVERED, in one transaction (a batch request's calls). */
  void delivered(List<Long> ids, long nowMillis);

  default void delivered(long id, long nowMillis) {
    delivered(List.of(id), nowMillis);
  }

  /** The delivery with this id, if there is one. */
  Optional<Delivery> find(long id);

  /** Counts an attempt and schedules the next one. */
  void retry(long id, long nextAttemptAtMillis, String error);

  /** Counts an attempt and moves the delivery to the dead-letter queue with the reason. */
  void dead(long id, String error);

  void skipped(long id, String reason);

  /**
   * Puts dead deliveries back as PENDING, due now, attempts reset.
   *
   * @param ids the deliveries to replay; empty for every dead delivery of the destination
   * @return how many were replayed
   */
  int replay(String destination, List<Long> ids, long nowMillis);

  /** Counts by status and the last error, for {@code GET /v1/destinations}. */
  Stats stats(String destination);

  /** Deliveries of a destination in a status, newest first. */
  List<Delivery> list(String destination, DeliveryStatus status, int limit);

  /** The names of the destinations that have deliveries, sorted. */
  List<String> destinations();

  @Override
  void close();

  /** Per destination: how many deliveries are in each status, and the last error seen. */
  record Stats(
      long delivered, long pending, long retrying, long skipped, long dead, String lastError) {}
}
