package dev.rollcall.delivery;

import java.util.Collection;
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

  /**
   * What became of one attempt (or of a delivery not sent: skipped, or dead without an attempt).
   *
   * @param status DELIVERED, RETRYING, DEAD or SKIPPED
   * @param nextAttemptAtMillis when RETRYING, when it is due again; ignored otherwise
   * @param error the failure or the skip reason; null keeps the last one
   * @param attempted whether a request was sent (counts in {@link Delivery#attempts()})
   */
  record Outcome(
      long id, DeliveryStatus status, long nextAttemptAtMillis, String error, boolean attempted) {
    public static Outcome delivered(long id) {
      return new Outcome(id, DeliveryStatus.DELIVERED, 0, null, true);
    }

    public static Outcome retry(long id, long nextAttemptAtMillis, String error) {
      return new Outcome(id, DeliveryStatus.RETRYING, nextAttemptAtMillis, error, true);
    }

    public static Outcome dead(long id, String error, boolean attempted) {
      return new Outcome(id, DeliveryStatus.DEAD, 0, error, attempted);
    }

    public static Outcome skipped(long id, String reason) {
      return new Outcome(id, DeliveryStatus.SKIPPED, 0, reason, false);
    }
  }

  /** Records outcomes, all in one transaction (a worker's round). */
  void record(List<Outcome> outcomes);

  default void delivered(long id, long nowMillis) {
    record(List.of(Outcome.delivered(id)));
  }

  /** Counts an attempt and schedules the next one. */
  default void retry(long id, long nextAttemptAtMillis, String error) {
    record(List.of(Outcome.retry(id, nextAttemptAtMillis, error)));
  }

  /** Counts an attempt and moves the delivery to the dead-letter queue with the reason. */
  default void dead(long id, String error) {
    record(List.of(Outcome.dead(id, error, true)));
  }

  default void skipped(long id, String reason) {
    record(List.of(Outcome.skipped(id, reason)));
  }

  /** The delivery with this id, if there is one. */
  Optional<Delivery> find(long id);

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

  /**
   * Deletes every delivery, in any status, of these people (their person keys): a deleted person's
   * calls leave Rollcall's queues too.
   *
   * @return how many deliveries were deleted
   */
  int forget(Collection<String> personKeys);

  /** The names of the destinations that have deliveries, sorted. */
  List<String> destinations();

  @Override
  void close();

  /** Per destination: how many deliveries are in each status, and the last error seen. */
  record Stats(
      long delivered, long pending, long retrying, long skipped, long dead, String lastError) {}
}
