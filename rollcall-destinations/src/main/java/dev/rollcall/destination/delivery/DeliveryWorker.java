package dev.rollcall.destination.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.Message;
import dev.rollcall.MessageType;
import dev.rollcall.delivery.Delivery;
import dev.rollcall.delivery.DeliveryQueue;
import dev.rollcall.destination.Destination;
import dev.rollcall.destination.DestinationRequest;
import dev.rollcall.destination.DestinationSettings;
import dev.rollcall.destination.DestinationSettings.MissingSettingException;
import dev.rollcall.destination.HttpSender;
import dev.rollcall.destination.Integrations;
import dev.rollcall.destination.Plan;
import dev.rollcall.internal.Json;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends one destination's due deliveries and records the outcome in the queue.
 *
 * <p>For each due delivery: the stored message is planned with the destination's settings and the
 * call's own options for it (an object in its {@code integrations}), and the plan's requests are
 * sent in order. All answered 2xx (and the adapter sees no {@linkplain Destination#rejection
 * rejection} in the body): delivered. A retryable failure (network error or timeout, 408, 429, most
 * 5xx; see {@link RetryPolicy}): retried after the policy's delay, or dead with "retries used up"
 * once the policy's attempts are spent. Any other status: dead with the status and the body. A plan
 * that is skipped: skipped with its reason. A setting that is missing or invalid, or a message that
 * cannot be read: dead or skipped at once, since trying again cannot help. Response bodies in
 * errors are cut at {@value #MAX_BODY_CHARS} characters.
 *
 * <p>Batches: when the tool takes several calls in one request ({@link
 * Destination#maxBatchSize()}), the single-request plans of one round are joined up to that size.
 * The queue hands out at most one delivery per person per round, so a batch never reorders a
 * person's calls. A batch's outcome is each of its deliveries' outcome, except a permanent failure:
 * then each call is sent alone, so one bad call does not take the others to the dead letters.
 *
 * <p>When a plan has several requests and a later one fails, the retry sends them all again; the
 * adapters' requests are upserts, so this is harmless.
 *
 * <p>{@link #runOnce(int)} never sleeps: waiting is the queue's {@code nextAttemptAtMillis}. {@link
 * #start()} polls it from one daemon thread every {@value #POLL_MILLIS} ms (simple polling, no
 * wake-up on enqueue, so a new delivery waits up to that long).
 */
public final class DeliveryWorker implements AutoCloseable {
  static final int MAX_BODY_CHARS = 500;
  static final long POLL_MILLIS = 100;
  private static final Logger LOG = LoggerFactory.getLogger(DeliveryWorker.class);

  private final DestinationConfig config;
  private final Destination destination;
  private final DeliveryQueue queue;
  private final HttpSender sender;
  private final RetryPolicy policy;
  private final Clock clock;
  private final int round;
  private final Counts counts = new Counts();
  private Thread thread;
  private volatile boolean running;
  private volatile boolean closing;

  public DeliveryWorker(
      DestinationConfig config,
      DeliveryQueue queue,
      HttpSender sender,
      RetryPolicy policy,
      Clock clock) {
    this.config = config;
    this.destination = config.destination();
    this.queue = queue;
    this.sender = sender;
    this.policy = policy;
    this.clock = clock;
    // a round takes enough for a full batch, and at least 100 so single sends are not starved
    this.round = Math.max(100, destination.maxBatchSize());
  }

  /** Outcomes recorded since start, for metrics. */
  public Counts counts() {
    return counts;
  }

  public DestinationConfig config() {
    return config;
  }

  /**
   * Attempts up to {@code limit} due deliveries once each.
   *
   * @return how many were handled (delivered, retried, dead or skipped); fewer than taken only when
   *     the thread was interrupted or the worker closed, in which case the rest stay due
   */
  public int runOnce(int limit) {
    List<Delivery> due = queue.due(config.name(), clock.millis(), limit);
    List<Ready> batch = new ArrayList<>();
    int handled = 0;
    for (Delivery delivery : due) {
      if (stopping()) break;
      Ready ready = prepare(delivery);
      if (ready == null) {
        handled++;
      } else if (destination.maxBatchSize() > 1 && ready.plan.requests().size() == 1) {
        batch.add(ready);
        if (batch.size() == destination.maxBatchSize()) {
          handled += sendBatch(batch);
          batch.clear();
        }
      } else if (send(ready)) {
        handled++;
      } else {
        break;
      }
    }
    if (!batch.isEmpty() && !stopping()) handled += sendBatch(batch);
    return handled;
  }

  private boolean stopping() {
    return closing || Thread.currentThread().isInterrupted();
  }

  /** A delivery whose plan has requests to send. */
  private record Ready(Delivery delivery, Plan plan) {}

  /** The delivery's plan, or null when its outcome is already recorded (skipped or dead). */
  private Ready prepare(Delivery delivery) {
    long id = delivery.id();
    Message message;
    try {
      JsonNode json = Json.read(delivery.message());
      if (!(json instanceof ObjectNode object)) {
        skipped(id, "the stored message is not a JSON object");
        return null;
      }
      JsonNode type = object.get("type");
      if (type == null || !"identify".equals(type.asText())) {
        skipped(id, "only identify calls are delivered; this is " + type);
        return null;
      }
      message = new Message(MessageType.IDENTIFY, object);
    } catch (IOException e) {
      skipped(id, "the stored message cannot be read: " + e.getMessage());
      return null;
    }

    DestinationSettings settings =
        DestinationSettings.of(
            config.settings(), Integrations.options(message.integrations(), destination.name()));
    Plan plan;
    try {
      plan = destination.plan(message, settings);
    } catch (MissingSettingException | IllegalArgumentException e) {
      dead(id, e.getMessage());
      return null;
    } catch (RuntimeException e) {
      // A bug in the adapter: retrying would fail the same way and hold the person's queue.
      LOG.error("{} failed to plan delivery {}", config.name(), id, e);
      dead(id, "adapter error: " + e);
      return null;
    }
    if (plan.skipped()) {
      skipped(id, plan.skipReason());
      return null;
    }
    return new Ready(delivery, plan);
  }

  /** Sends one delivery's requests in order; false when interrupted before recording it. */
  private boolean send(Ready ready) {
    for (DestinationRequest request : ready.plan.requests()) {
      Attempt attempt = attempt(request);
      switch (attempt.kind) {
        case OK:
          continue;
        case INTERRUPTED:
          return false;
        case RETRYABLE:
          retryOrDead(ready.delivery, attempt.retryAfter, attempt.error);
          return true;
        case PERMANENT:
          dead(ready.delivery.id(), attempt.error);
          return true;
      }
    }
    delivered(List.of(ready.delivery.id()));
    return true;
  }

  /** Sends several deliveries in one request; returns how many were recorded. */
  private int sendBatch(List<Ready> batch) {
    if (batch.size() == 1) return send(batch.get(0)) ? 1 : 0;
    List<DestinationRequest> singles = new ArrayList<>(batch.size());
    for (Ready ready : batch) singles.add(ready.plan.requests().get(0));
    Attempt attempt = attempt(destination.batch(singles));
    switch (attempt.kind) {
      case OK:
        List<Long> ids = new ArrayList<>(batch.size());
        for (Ready ready : batch) ids.add(ready.delivery.id());
        delivered(ids);
        return batch.size();
      case RETRYABLE:
        for (Ready ready : batch) retryOrDead(ready.delivery, attempt.retryAfter, attempt.error);
        return batch.size();
      case PERMANENT:
        int handled = 0;
        for (Ready ready : batch) {
          if (stopping() || !send(ready)) break;
          handled++;
        }
        return handled;
      default:
        return 0;
    }
  }

  private enum Kind {
    OK,
    RETRYABLE,
    PERMANENT,
    INTERRUPTED
  }

  private record Attempt(Kind kind, String error, String retryAfter) {
    static final Attempt OK = new Attempt(Kind.OK, null, null);
    static final Attempt INTERRUPTED = new Attempt(Kind.INTERRUPTED, null, null);
  }

  private Attempt attempt(DestinationRequest request) {
    HttpSender.Response response;
    try {
      response = sender.send(request);
    } catch (IOException e) {
      return new Attempt(Kind.RETRYABLE, "network error: " + describe(e), null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Attempt.INTERRUPTED;
    }
    int status = response.status();
    if (status >= 200 && status <= 299) {
      String rejection = destination.rejection(status, response.body());
      return rejection == null
          ? Attempt.OK
          : new Attempt(
              Kind.PERMANENT, "HTTP " + status + " rejected: " + truncate(rejection), null);
    }
    String error = "HTTP " + status + ": " + truncate(response.body());
    return policy.isRetryable(status)
        ? new Attempt(Kind.RETRYABLE, error, response.retryAfter())
        : new Attempt(Kind.PERMANENT, error, null);
  }

  private void retryOrDead(Delivery delivery, String retryAfter, String error) {
    if (policy.usedUp(delivery.attempts())) {
      dead(
          delivery.id(),
          "retries used up (" + policy.maxAttempts() + " attempts); last error: " + error);
      return;
    }
    long now = clock.millis();
    queue.retry(
        delivery.id(), now + policy.nextDelayMillis(delivery.attempts(), retryAfter, now), error);
    counts.retried.incrementAndGet();
  }

  private void delivered(List<Long> ids) {
    queue.delivered(ids, clock.millis());
    counts.delivered.addAndGet(ids.size());
  }

  private void dead(long id, String error) {
    queue.dead(id, error);
    counts.dead.incrementAndGet();
  }

  private void skipped(long id, String reason) {
    queue.skipped(id, reason);
    counts.skipped.incrementAndGet();
  }

  private static String describe(IOException e) {
    String message = e.getMessage();
    String kind = e.getClass().getSimpleName();
    return message == null || message.isEmpty() ? kind : kind + ": " + message;
  }

  private static String truncate(String body) {
    if (body == null) return "";
    return body.length() <= MAX_BODY_CHARS ? body : body.substring(0, MAX_BODY_CHARS) + "...";
  }

  /** Starts polling in a daemon thread: {@link #runOnce} every {@value #POLL_MILLIS} ms. */
  public synchronized void start() {
    if (thread != null) throw new IllegalStateException("already started");
    running = true;
    closing = false;
    thread = new Thread(this::loop, "rollcall-delivery-" + config.name());
    thread.setDaemon(true);
    thread.start();
  }

  private void loop() {
    while (running) {
      int handled = 0;
      try {
        handled = runOnce(round);
      } catch (RuntimeException e) {
        LOG.error("{} delivery failed; trying again", config.name(), e);
      }
      if (handled == round) continue; // more may be due right away
      try {
        Thread.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /**
   * Stops polling and waits for the thread to end: the delivery in flight is finished, not
   * interrupted, so no answered request goes unrecorded (a wait of up to one sender timeout); the
   * rest of the round stays due.
   */
  @Override
  public synchronized void close() {
    running = false;
    closing = true;
    if (thread == null) return;
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    thread = null;
  }

  /** Outcomes recorded by one worker: counters that only grow. */
  public static final class Counts {
    final AtomicLong delivered = new AtomicLong();
    final AtomicLong retried = new AtomicLong();
    final AtomicLong dead = new AtomicLong();
    final AtomicLong skipped = new AtomicLong();

    public long delivered() {
      return delivered.get();
    }

    /** Failed attempts that will be tried again. */
    public long retried() {
      return retried.get();
    }

    public long dead() {
      return dead.get();
    }

    public long skipped() {
      return skipped.get();
    }
  }
}
