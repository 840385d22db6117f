package dev.rollcall.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rollcall.delivery.Delivery;
import dev.rollcall.delivery.DeliveryQueue;
import dev.rollcall.delivery.DeliveryQueue.NewDelivery;
import dev.rollcall.delivery.DeliveryQueue.Outcome;
import dev.rollcall.delivery.DeliveryQueue.Stats;
import dev.rollcall.delivery.DeliveryStatus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link DeliveryQueue} must do: deduplication, person order, retries, dead letters and
 * replay, counts, the router's mark, and durability across reopening. A queue's test extends this
 * class and says how to open one.
 */
public abstract class DeliveryQueueContract {
  private static final String MIXPANEL = "mixpanel";
  private static final String HUBSPOT = "hubspot";
  private static final long NOW = 1_700_000_000_000L;

  @TempDir protected Path dir;
  protected DeliveryQueue queue;

  /**
   * Opens the queue kept under {@code dir}: empty the first time; opened again, it has everything
   * that was stored before it was closed.
   */
  protected abstract DeliveryQueue open(Path dir) throws Exception;

  @BeforeEach
  void openQueue() throws Exception {
    queue = open(dir);
  }

  @AfterEach
  void closeQueue() {
    if (queue != null) queue.close();
  }

  private static NewDelivery call(String destination, String person, String messageId) {
    return new NewDelivery(
        destination,
        person,
        messageId,
        ("{\"messageId\":\"" + messageId + "\"}").getBytes(StandardCharsets.UTF_8));
  }

  private static List<String> ids(List<Delivery> deliveries) {
    return deliveries.stream().map(Delivery::messageId).toList();
  }

  private long idOf(String destination, String messageId) {
    for (DeliveryStatus status : DeliveryStatus.values()) {
      for (Delivery d : queue.list(destination, status, 100)) {
        if (d.messageId().equals(messageId)) return d.id();
      }
    }
    throw new AssertionError("no delivery " + messageId);
  }

  @Test
  void enqueuedDeliveriesAreDueNowInOrder() {
    queue.enqueue(List.of(call(MIXPANEL, "p1", "m1"), call(MIXPANEL, "p2", "m2")), NOW);

    List<Delivery> due = queue.due(MIXPANEL, NOW, 10);

    assertThat(ids(due)).containsExactly("m1", "m2");
    Delivery first = due.get(0);
    assertThat(first.id()).isLessThan(due.get(1).id());
    assertThat(first.destination()).isEqualTo(MIXPANEL);
    assertThat(first.personKey()).isEqualTo("p1");
    assertThat(new String(first.message(), StandardCharsets.UTF_8))
        .isEqualTo("{\"messageId\":\"m1\"}");
    assertThat(first.status()).isEqualTo(DeliveryStatus.PENDING);
    assertThat(first.attempts()).isZero();
    assertThat(first.nextAttemptAtMillis()).isEqualTo(NOW);
    assertThat(first.lastError()).isNull();
    assertThat(queue.due(MIXPANEL, NOW - 1, 10)).isEmpty();
    assertThat(queue.due(MIXPANEL, NOW, 1)).hasSize(1);
  }

  @Test
  void aMessageIdIsQueuedOncePerDestination() {
    queue.enqueue(List.of(call(MIXPANEL, "p1", "m1"), call(MIXPANEL, "p1", "m1")), NOW);
    queue.enqueue(List.of(call(MIXPANEL, "p1", "m1")), NOW + 5);

    assertThat(ids(queue.due(MIXPANEL, NOW + 10, 10))).containsExactly("m1");
    assertThat(queue.stats(MIXPANEL).pending()).isEqualTo(1);
  }

  @Test
  void aPersonsLaterDeliveryWaitsForTheEarlierOne() {
    queue.enqueue(
        List.of(
            call(MIXPANEL, "p", "a1"),
            call(MIXPANEL, "p", "a2"),
            call(MIXPANEL, "q", "b1"),
            call(MIXPANEL, "p", "a3"),
            call(MIXPANEL, "p", "a4"),
            call(MIXPANEL, "p", "a5")),
        NOW);

    assertThat(ids(queue.due(MIXPANEL, NOW, 10))).containsExactly("a1", "b1");

    // RETRYING still holds the person back, even once it is due again
    queue.retry(idOf(MIXPANEL, "a1"), NOW + 100, "timeout");
    assertThat(ids(queue.due(MIXPANEL, NOW, 10))).containsExactly("b1");
    assertThat(ids(queue.due(MIXPANEL, NOW + 100, 10))).containsExactly("a1", "b1");

    queue.delivered(idOf(MIXPANEL, "a1"), NOW + 100);
    assertThat(ids(queue.due(MIXPANEL, NOW + 100, 10))).containsExactly("a2", "b1");

    queue.dead(idOf(MIXPANEL, "a2"), "HTTP 400: bad");
    assertThat(ids(queue.due(MIXPANEL, NOW + 100, 10))).containsExactly("b1", "a3");

    queue.skipped(idOf(MIXPANEL, "a3"), "no email");
    assertThat(ids(queue.due(MIXPANEL, NOW + 100, 10))).containsExactly("b1", "a4");
  }

  @Test
  void retrySchedulesTheNextAttemptAndCountsIt() {
    queue.enqueue(List.of(call(MIXPANEL, "p", "m1")), NOW);
    long id = idOf(MIXPANEL, "m1");

    queue.retry(id, NOW + 1_000, "HTTP 503");
    assertThat(queue.due(MIXPANEL, NOW + 999, 10)).isEmpty();
    List<Delivery> due = queue.due(MIXPANEL, NOW + 1_000, 10);
    assertThat(due).hasSize(1);
    assertThat(due.get(0).status()).isEqualTo(DeliveryStatus.RETRYING);
    assertThat(due.get(0).attempts()).isEqualTo(1);
    assertThat(due.get(0).nextAttemptAtMillis()).isEqualTo(NOW + 1_000);
    assertThat(due.get(0).lastError()).isEqualTo("HTTP 503");

    queue.retry(id, NOW + 3_000, "timeout");
    assertThat(queue.due(MIXPANEL, NOW + 3_000, 10).get(0).attempts()).isEqualTo(2);
  }

  @Test
  void deadDeliveriesAreReplayedBySelectionOrAll() {
    queue.enqueue(
        List.of(call(MIXPANEL, "p", "m1"), call(MIXPANEL, "q", "m2"), call(MIXPANEL, "r", "m3")),
        NOW);
    long m1 = idOf(MIXPANEL, "m1");
    long m2 = idOf(MIXPANEL, "m2");
    long m3 = idOf(MIXPANEL, "m3");
    queue.retry(m1, NOW, "HTTP 500");
    queue.dead(m1, "HTTP 400: bad");
    queue.dead(m2, "HTTP 401");
    queue.dead(m3, "HTTP 403");
    assertThat(queue.due(MIXPANEL, NOW + 10, 10)).isEmpty();
    Delivery dead = queue.list(MIXPANEL, DeliveryStatus.DEAD, 10).get(2);
    assertThat(dead.id()).isEqualTo(m1);
    assertThat(dead.attempts()).isEqualTo(2);
    assertThat(dead.lastError()).isEqualTo("HTTP 400: bad");

    // a delivery that is not dead, or of another destination, is not replayed
    assertThat(queue.replay(HUBSPOT, List.of(m1), NOW + 10)).isZero();
    assertThat(queue.replay(MIXPANEL, List.of(m1), NOW + 10)).isEqualTo(1);
    assertThat(queue.replay(MIXPANEL, List.of(m1), NOW + 10)).isZero();
    List<Delivery> due = queue.due(MIXPANEL, NOW + 10, 10);
    assertThat(ids(due)).containsExactly("m1");
    assertThat(due.get(0).status()).isEqualTo(DeliveryStatus.PENDING);
    assertThat(due.get(0).attempts()).isZero();
    assertThat(due.get(0).nextAttemptAtMillis()).isEqualTo(NOW + 10);
    assertThat(due.get(0).lastError()).isEqualTo("HTTP 400: bad");

    assertThat(queue.replay(MIXPANEL, List.of(), NOW + 20)).isEqualTo(2);
    assertThat(ids(queue.due(MIXPANEL, NOW + 20, 10))).containsExactly("m1", "m2", "m3");
    assertThat(queue.stats(MIXPANEL).dead()).isZero();
  }

  @Test
  void statsCountByStatusWithTheLastError() {
    assertThat(queue.stats(MIXPANEL)).isEqualTo(new Stats(0, 0, 0, 0, 0, null));
    queue.enqueue(
        List.of(
            call(MIXPANEL, "a", "m1"),
            call(MIXPANEL, "b", "m2"),
            call(MIXPANEL, "c", "m3"),
            call(MIXPANEL, "d", "m4"),
            call(MIXPANEL, "e", "m5"),
            call(MIXPANEL, "f", "m6")),
        NOW);
    queue.delivered(idOf(MIXPANEL, "m1"), NOW);
    queue.skipped(idOf(MIXPANEL, "m2"), "no email");
    queue.dead(idOf(MIXPANEL, "m3"), "HTTP 400: first");
    queue.retry(idOf(MIXPANEL, "m4"), NOW + 10, "HTTP 503: second");

    assertThat(queue.stats(MIXPANEL)).isEqualTo(new Stats(1, 2, 1, 1, 1, "HTTP 503: second"));

    queue.dead(idOf(MIXPANEL, "m5"), "HTTP 404: third");
    assertThat(queue.stats(MIXPANEL).lastError()).isEqualTo("HTTP 404: third");
    // a skip reason is not an error
    queue.skipped(idOf(MIXPANEL, "m6"), "no email");
    assertThat(queue.stats(MIXPANEL)).isEqualTo(new Stats(1, 0, 1, 2, 2, "HTTP 404: third"));
  }

  @Test
  void listIsByStatusNewestFirst() {
    queue.enqueue(
        List.of(call(MIXPANEL, "a", "m1"), call(MIXPANEL, "b", "m2"), call(MIXPANEL, "c", "m3")),
        NOW);
    queue.dead(idOf(MIXPANEL, "m1"), "x");
    queue.dead(idOf(MIXPANEL, "m3"), "y");

    assertThat(ids(queue.list(MIXPANEL, DeliveryStatus.DEAD, 10))).containsExactly("m3", "m1");
    assertThat(ids(queue.list(MIXPANEL, DeliveryStatus.DEAD, 1))).containsExactly("m3");
    assertThat(ids(queue.list(MIXPANEL, DeliveryStatus.PENDING, 10))).containsExactly("m2");
    assertThat(queue.list(MIXPANEL, DeliveryStatus.DELIVERED, 10)).isEmpty();
    assertThat(queue.list(HUBSPOT, DeliveryStatus.DEAD, 10)).isEmpty();
  }

  @Test
  void everythingSurvivesReopening() throws Exception {
    queue.enqueue(
        List.of(call(MIXPANEL, "p", "m1"), call(MIXPANEL, "p", "m2"), call(MIXPANEL, "q", "m3")),
        NOW);
    queue.retry(idOf(MIXPANEL, "m1"), NOW + 50, "timeout");
    queue.dead(idOf(MIXPANEL, "m3"), "HTTP 400");
    Stats before = queue.stats(MIXPANEL);
    List<Delivery> dueBefore = queue.due(MIXPANEL, NOW + 50, 10);

    queue.close();
    queue = open(dir);

    assertThat(queue.stats(MIXPANEL)).isEqualTo(before);
    List<Delivery> dueAfter = queue.due(MIXPANEL, NOW + 50, 10);
    assertThat(ids(dueAfter)).isEqualTo(ids(dueBefore)).containsExactly("m1");
    assertThat(dueAfter.get(0).attempts()).isEqualTo(1);
    assertThat(dueAfter.get(0).message()).isEqualTo(dueBefore.get(0).message());
    // still deduplicated after reopening
    queue.enqueue(List.of(call(MIXPANEL, "p", "m1")), NOW + 60);
    assertThat(queue.stats(MIXPANEL).retrying()).isEqualTo(1);
    assertThat(queue.stats(MIXPANEL).pending()).isEqualTo(1);
    // the latest failure is still the latest after reopening
    queue.retry(idOf(MIXPANEL, "m1"), NOW + 100, "HTTP 502");
    assertThat(queue.stats(MIXPANEL).lastError()).isEqualTo("HTTP 502");
  }

  @Test
  void destinationsAreIndependent() {
    queue.enqueue(
        List.of(call(MIXPANEL, "p", "m1"), call(HUBSPOT, "p", "m1"), call(HUBSPOT, "p", "m2")),
        NOW);
    long mixpanelM1 = idOf(MIXPANEL, "m1");
    queue.retry(mixpanelM1, NOW + 1_000, "timeout");

    // the same person and message id on another destination is its own delivery, not held back
    assertThat(ids(queue.due(HUBSPOT, NOW, 10))).containsExactly("m1");
    assertThat(queue.due(MIXPANEL, NOW, 10)).isEmpty();
    queue.dead(idOf(HUBSPOT, "m1"), "HTTP 400");
    assertThat(queue.replay(MIXPANEL, List.of(), NOW)).isZero();
    assertThat(queue.stats(MIXPANEL)).isEqualTo(new Stats(0, 0, 1, 0, 0, "timeout"));
    assertThat(queue.stats(HUBSPOT)).isEqualTo(new Stats(0, 1, 0, 0, 1, "HTTP 400"));
    assertThat(ids(queue.due(HUBSPOT, NOW, 10))).containsExactly("m2");
  }

  @Test
  void roundOfOutcomes_recordedTogether_attemptsCountedOnlyForSends() {
    queue.enqueue(
        List.of(
            call(MIXPANEL, "p1", "m1"),
            call(MIXPANEL, "p2", "m2"),
            call(MIXPANEL, "p3", "m3"),
            call(MIXPANEL, "p4", "m4")),
        NOW);

    queue.record(
        List.of(
            Outcome.delivered(idOf(MIXPANEL, "m1")),
            Outcome.retry(idOf(MIXPANEL, "m2"), NOW + 500, "HTTP 503"),
            Outcome.dead(idOf(MIXPANEL, "m3"), "the setting token is required", false),
            Outcome.skipped(idOf(MIXPANEL, "m4"), "no email")));

    assertThat(queue.find(idOf(MIXPANEL, "m1")).orElseThrow().attempts()).isEqualTo(1);
    Delivery retrying = queue.find(idOf(MIXPANEL, "m2")).orElseThrow();
    assertThat(retrying.status()).isEqualTo(DeliveryStatus.RETRYING);
    assertThat(retrying.nextAttemptAtMillis()).isEqualTo(NOW + 500);
    Delivery dead = queue.find(idOf(MIXPANEL, "m3")).orElseThrow();
    assertThat(dead.attempts()).isZero();
    assertThat(dead.lastError()).isEqualTo("the setting token is required");
    assertThat(queue.find(idOf(MIXPANEL, "m4")).orElseThrow().lastError()).isEqualTo("no email");
    assertThat(queue.stats(MIXPANEL))
        .isEqualTo(new Stats(1, 0, 1, 1, 1, "the setting token is required"));
  }

  @Test
  void deliveredAfterARetry_keepsTheLastError() {
    queue.enqueue(List.of(call(MIXPANEL, "p1", "m1")), NOW);
    long id = idOf(MIXPANEL, "m1");

    queue.retry(id, NOW, "HTTP 500: oops");
    queue.delivered(id, NOW);

    Delivery delivered = queue.find(id).orElseThrow();
    assertThat(delivered.status()).isEqualTo(DeliveryStatus.DELIVERED);
    assertThat(delivered.attempts()).isEqualTo(2);
    assertThat(delivered.lastError()).isEqualTo("HTTP 500: oops");
  }

  @Test
  void routerMark_movesWithTheEnqueue_andSurvivesReopening() throws Exception {
    assertThat(queue.routedUpTo()).isZero();

    queue.enqueue(List.of(call(MIXPANEL, "p1", "m1")), NOW, 41);
    queue.enqueue(List.of(), NOW, 42);
    queue.enqueue(List.of(call(MIXPANEL, "p2", "m2")), NOW);
    assertThat(queue.routedUpTo()).isEqualTo(42);

    queue.close();
    queue = open(dir);
    assertThat(queue.routedUpTo()).isEqualTo(42);
    assertThat(queue.stats(MIXPANEL).pending()).isEqualTo(2);
  }

  @Test
  void find_unknownId_empty_andDestinationsListsThoseWithDeliveries() {
    queue.enqueue(List.of(call(MIXPANEL, "p1", "m1"), call(HUBSPOT, "p1", "m1")), NOW);

    assertThat(queue.find(987_654_321L)).isEmpty();
    assertThat(queue.destinations()).containsExactly(HUBSPOT, MIXPANEL);
  }

  @Test
  void forget_deletesEveryDeliveryOfThosePeople_inEveryStatus() {
    queue.enqueue(
        List.of(
            call(MIXPANEL, "gone", "m1"),
            call(MIXPANEL, "gone", "m2"),
            call(HUBSPOT, "gone", "m1"),
            call(MIXPANEL, "stays", "m3")),
        NOW);
    queue.dead(idOf(MIXPANEL, "m1"), "HTTP 400");

    assertThat(queue.forget(List.of("gone", "nobody"))).isEqualTo(3);

    assertThat(ids(queue.due(MIXPANEL, NOW, 10))).containsExactly("m3");
    assertThat(queue.stats(MIXPANEL).dead()).isZero();
    assertThat(queue.stats(HUBSPOT).pending()).isZero();
  }
}
