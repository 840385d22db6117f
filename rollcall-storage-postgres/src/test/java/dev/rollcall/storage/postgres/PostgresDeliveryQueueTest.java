package dev.rollcall.storage.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rollcall.delivery.Delivery;
import dev.rollcall.delivery.DeliveryQueue;
import dev.rollcall.delivery.DeliveryQueue.NewDelivery;
import dev.rollcall.delivery.DeliveryQueue.Outcome;
import dev.rollcall.delivery.DeliveryStatus;
import dev.rollcall.tests.DeliveryQueueContract;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The contract on a real PostgreSQL server, a new schema for each test; then what is PostgreSQL's
 * own: several queues (as in several servers) on one database, taking deliveries at once.
 */
class PostgresDeliveryQueueTest extends DeliveryQueueContract {
  private static final long NOW = 1_700_000_000_000L;

  /** The schema of this test: made by the first open, found again by the next ones. */
  private String url;

  @Override
  protected DeliveryQueue open(Path dir) throws Exception {
    if (url == null) url = TestPostgres.newSchema();
    return PostgresDeliveryQueue.open(url, "postgres", null);
  }

  private static NewDelivery call(String person, String messageId) {
    return new NewDelivery("mixpanel", person, messageId, ("{}").getBytes(StandardCharsets.UTF_8));
  }

  /* ---- what is PostgreSQL's own ---- */

  @Test
  void twoQueuesOnOneDatabase_neverGetTheSameDelivery_andEachPersonHasOneInFlight()
      throws Exception {
    List<NewDelivery> calls = new ArrayList<>();
    for (int i = 0; i < 40; i++) calls.add(call("p" + (i % 10), "m" + i));
    queue.enqueue(calls, NOW);

    try (DeliveryQueue other = open(dir)) {
      List<Delivery> mine = queue.due("mixpanel", NOW, 100);
      List<Delivery> theirs = other.due("mixpanel", NOW, 100);

      // the heads of the ten persons' queues, each claimed by one of the two
      assertThat(mine).hasSize(10);
      assertThat(theirs).isEmpty();
      // a queue sees its own claims as due again, until it records them
      assertThat(queue.due("mixpanel", NOW, 100)).hasSize(10);

      queue.record(List.of(Outcome.delivered(mine.get(0).id())));
      List<Delivery> next = other.due("mixpanel", NOW, 100);
      assertThat(next).extracting(Delivery::messageId).containsExactly("m10");
    }
  }

  @Test
  void aClaimExpires_soADeadWorkersDeliveriesAreSentByAnother() throws Exception {
    queue.enqueue(List.of(call("p", "m1")), NOW);
    try (DeliveryQueue first = PostgresDeliveryQueue.open(dataSource(), 1_000);
        DeliveryQueue other = PostgresDeliveryQueue.open(dataSource(), 1_000)) {
      assertThat(first.due("mixpanel", NOW, 10)).hasSize(1);

      assertThat(other.due("mixpanel", NOW + 999, 10)).isEmpty();
      assertThat(other.due("mixpanel", NOW + 1_000, 10))
          .extracting(Delivery::messageId)
          .containsExactly("m1");
    }
  }

  @Test
  void closing_releasesTheClaimsNotRecorded() throws Exception {
    queue.enqueue(List.of(call("p", "m1")), NOW);
    DeliveryQueue first = open(dir);
    assertThat(first.due("mixpanel", NOW, 10)).hasSize(1);
    assertThat(queue.due("mixpanel", NOW, 10)).isEmpty();

    first.close();

    assertThat(queue.due("mixpanel", NOW, 10)).hasSize(1);
  }

  /**
   * Four queues, as in four servers, each with a worker that takes rounds and records them at once,
   * until everything is delivered: each delivery is taken exactly once, and each person's
   * deliveries are taken in the order they were queued.
   */
  @Test
  void fourWorkersAtOnce_takeEachDeliveryOnce_inPersonOrder() throws Exception {
    int persons = 50;
    int perPerson = 20;
    List<NewDelivery> calls = new ArrayList<>();
    for (int i = 0; i < perPerson; i++) {
      for (int p = 0; p < persons; p++) calls.add(call("p" + p, "m" + p + "-" + i));
    }
    queue.enqueue(calls, NOW);
    Map<String, List<Integer>> sentByPerson = new ConcurrentHashMap<>();
    Set<String> sent = ConcurrentHashMap.newKeySet();
    List<String> twice = Collections.synchronizedList(new ArrayList<>());
    ExecutorService workers = Executors.newFixedThreadPool(4);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> done = new ArrayList<>();
    List<DeliveryQueue> queues = new ArrayList<>();
    try {
      for (int w = 0; w < 4; w++) {
        DeliveryQueue mine = open(dir);
        queues.add(mine);
        done.add(
            workers.submit(
                () -> {
                  start.await();
                  int idle = 0;
                  while (idle < 20) {
                    List<Delivery> round = mine.due("mixpanel", NOW, 7);
                    if (round.isEmpty()) {
                      idle++;
                      Thread.sleep(5);
                      continue;
                    }
                    idle = 0;
                    List<Outcome> outcomes = new ArrayList<>();
                    for (Delivery d : round) {
                      if (!sent.add(d.messageId())) twice.add(d.messageId());
                      String[] parts = d.messageId().substring(1).split("-");
                      sentByPerson
                          .computeIfAbsent(
                              d.personKey(), k -> Collections.synchronizedList(new ArrayList<>()))
                          .add(Integer.parseInt(parts[1]));
                      outcomes.add(Outcome.delivered(d.id()));
                    }
                    mine.record(outcomes);
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : done) f.get(60, TimeUnit.SECONDS);
    } finally {
      workers.shutdownNow();
      queues.forEach(DeliveryQueue::close);
    }

    assertThat(twice).isEmpty();
    assertThat(sent).hasSize(persons * perPerson);
    Map<String, List<Integer>> expected = new HashMap<>();
    for (int p = 0; p < persons; p++) {
      List<Integer> order = new ArrayList<>();
      for (int i = 0; i < perPerson; i++) order.add(i);
      expected.put("p" + p, order);
    }
    assertThat(sentByPerson).isEqualTo(expected);
    assertThat(queue.stats("mixpanel").delivered()).isEqualTo(persons * perPerson);
    assertThat(new HashSet<>(queue.list("mixpanel", DeliveryStatus.DELIVERED, 5))).hasSize(5);
  }

  private javax.sql.DataSource dataSource() {
    org.postgresql.ds.PGSimpleDataSource source = new org.postgresql.ds.PGSimpleDataSource();
    source.setURL(url);
    source.setUser("postgres");
    return source;
  }
}
