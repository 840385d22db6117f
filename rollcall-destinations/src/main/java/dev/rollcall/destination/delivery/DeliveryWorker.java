package dev.rollcall.destination.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.Message;
import dev.rollcall.MessageType;
import dev.rollcall.delivery.Delivery;
import dev.rollcall.delivery.DeliveryQueue;
import dev.rollcall.delivery.DeliveryQueue.Outcome;
import dev.rollcall.destination.Destination;
import dev.rollcall.destination.DestinationRequest;
import dev.rollcall.destination.DestinationSettings;
import dev.rollcall.destination.DestinationSettings.MissingSettingException;
import dev.rollcall.destination.HttpSender;
import dev.rollcall.destination.Integrations;
import dev.rollcall.destination.Plan;
import dev.rollcall.internal.Json;
import dev.rollcall.internal.Redacted;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
 * <p>A round ({@link #runOnce(int)}) takes the due deliveries (at most one per person), sends them
 * with up to {@code concurrency} requests in flight, and records all their outcomes in one
 * transaction: one fsync per round, not per call. A crash before that commit sends the round again
 * (delivery is at least once; the adapters' requests are upserts).
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
  private final SecretMask mask;
  private final Destination destination;
  private final DeliveryQueue queue;
  private final HttpSender sender;
  private final RetryPolicy policy;
  private final Clock clock;
  private final int round;
  private final Counts counts = new Counts();
  private final int concurrency;

  /** The threads that send when {@code concurrency > 1}; they start on the first send. */
  private final ExecutorService senders;

  private Thread thread;
  private volatile boolean running;
  private volatile boolean closing;

  /** One request at a time. */
  public DeliveryWorker(
      DestinationConfig config,
      DeliveryQueue queue,
      HttpSender sender,
      RetryPolicy policy,
      Clock clock) {
    this(config, queue, sender, policy, clock, 1);
  }

  /**
   * @param concurrency requests in flight at once, each for a different person (at least 1)
   */
  public DeliveryWorker(
      DestinationConfig config,
      DeliveryQueue queue,
      HttpSender sender,
      RetryPolicy policy,
      Clock clock,
      int concurrency) {
    if (concurrency < 1) throw new IllegalArgumentException("concurrency < 1: " + concurrency);
    this.concurrency = concurrency;
    this.senders =
        concurrency == 1
            ? null
            : Executors.newFixedThreadPool(
                concurrency,
                task -> {
                  Thread t = new Thread(task, "rollcall-delivery-" + config.name() + "-sender");
                  t.setDaemon(true);
                  return t;
                });
    this.config = config;
    this.mask = new SecretMask(config.settings());
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
    List<Outcome> outcomes = new ArrayList<>();
    List<List<Ready>> units = new ArrayList<>(); // each unit: one request, or one plan's requests
    List<Ready> batch = new ArrayList<>();
    for (Delivery delivery : due) {
      Ready ready = prepare(delivery, outcomes);
      if (ready == null) continue;
      if (destination.maxBatchSize() > 1 && ready.plan.requests().size() == 1) {
        batch.add(ready);
        if (batch.size() == destination.maxBatchSize()) {
          units.add(batch);
          batch = new ArrayList<>();
        }
      } else {
        units.add(List.of(ready));
      }
    }
    if (!batch.isEmpty()) units.add(batch);
    outcomes.addAll(send(units));
    if (!outcomes.isEmpty()) record(outcomes);
    return outcomes.size();
  }

  /** Sends the units, {@code concurrency} at a time; the outcomes of those sent. */
  private List<Outcome> send(List<List<Ready>> units) {
    List<Outcome> outcomes = new ArrayList<>();
    if (concurrency == 1 || units.size() <= 1) {
      for (List<Ready> unit : units) {
        if (stopping()) break;
        outcomes.addAll(sendUnit(unit));
      }
      return outcomes;
    }
    List<Future<List<Outcome>>> futures = new ArrayList<>();
    for (List<Ready> unit : units) {
      futures.add(senders.submit(() -> stopping() ? List.<Outcome>of() : sendUnit(unit)));
    }
    for (Future<List<Outcome>> future : futures) {
      try {
        outcomes.addAll(future.get());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        // the senders finish their requests; what they answered is lost to this round and sent
        // again (at least once)
        break;
      } catch (ExecutionException e) {
        LOG.error(
            "{} failed to send a delivery; it stays due", config.name(), Redacted.of(e.getCause()));
        LOG.debug("{} failed to send a delivery", config.name(), e.getCause());
      }
    }
    return outcomes;
  }

  private List<Outcome> sendUnit(List<Ready> unit) {
    return unit.size() == 1 ? send(unit.get(0)) : sendBatch(unit);
  }

  private boolean stopping() {
    return closing || Thread.currentThread().isInterrupted();
  }

  /** A delivery whose plan has requests to send. */
  private record Ready(Delivery delivery, Plan plan) {}

  /** The delivery's plan, or null with its outcome added (skipped, or dead without a send). */
  private Ready prepare(Delivery delivery, List<Outcome> outcomes) {
    long id = delivery.id();
    Message message;
    try {
      JsonNode json = Json.read(delivery.message());
      if (!(json instanceof ObjectNode object)) {
        outcomes.add(Outcome.skipped(id, "the stored message is not a JSON object"));
        return null;
      }
      JsonNode type = object.get("type");
      if (type == null || !"identify".equals(type.asText())) {
        outcomes.add(Outcome.skipped(id, "only identify calls are delivered; this is " + type));
        return null;
      }
      message = new Message(MessageType.IDENTIFY, object);
    } catch (IOException e) {
      outcomes.add(Outcome.skipped(id, "the stored message cannot be read: " + e.getMessage()));
      return null;
    }

    DestinationSettings settings =
        DestinationSettings.of(
            config.settings(), Integrations.options(message.integrations(), destination.name()));
    Plan plan;
    try {
      plan = destination.plan(message, settings);
    } catch (MissingSettingException | IllegalArgumentException e) {
      outcomes.add(Outcome.dead(id, mask.mask(e.getMessage()), false));
      return null;
    } catch (RuntimeException e) {
      // A bug in the adapter: retrying would fail the same way and hold the person's queue.
      LOG.error("{} failed to plan delivery {}", config.name(), id, Redacted.of(e));
      LOG.debug("{} failed to plan delivery {}", config.name(), id, e);
      outcomes.add(Outcome.dead(id, mask.mask("adapter error: " + e), false));
      return null;
    }
    if (plan.skipped()) {
      outcomes.add(Outcome.skipped(id, plan.skipReason()));
      return null;
    }
    return new Ready(delivery, plan);
  }

  /** Sends one delivery's requests in order; no outcome when interrupted. */
  private List<Outcome> send(Ready ready) {
    for (DestinationRequest request : ready.plan.requests()) {
      Attempt attempt = attempt(request);
      switch (attempt.kind) {
        case OK:
          continue;
        case INTERRUPTED:
          return List.of();
        case RETRYABLE:
          return List.of(retryOrDead(ready.delivery, attempt.retryAfter, attempt.error));
        case PERMANENT:
          return List.of(Outcome.dead(ready.delivery.id(), attempt.error, true));
      }
    }
    return List.of(Outcome.delivered(ready.delivery.id()));
  }

  /** Sends several deliveries in one request. */
  private List<Outcome> sendBatch(List<Ready> batch) {
    List<DestinationRequest> singles = new ArrayList<>(batch.size());
    for (Ready ready : batch) singles.add(ready.plan.requests().get(0));
    Attempt attempt = attempt(destination.batch(singles));
    List<Outcome> outcomes = new ArrayList<>(batch.size());
    switch (attempt.kind) {
      case OK:
        for (Ready ready : batch) outcomes.add(Outcome.delivered(ready.delivery.id()));
        break;
      case RETRYABLE:
        for (Ready ready : batch) {
          outcomes.add(retryOrDead(ready.delivery, attempt.retryAfter, attempt.error));
        }
        break;
      case PERMANENT:
        // refused as a whole: each call alone, so one bad call does not sink the others
        for (Ready ready : batch) {
          if (stopping()) break;
          outcomes.addAll(send(ready));
        }
        break;
      default:
        break;
    }
    return outcomes;
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
      return new Attempt(Kind.RETRYABLE, mask.mask("network error: " + describe(e), request), null);
    } catch (IllegalArgumentException e) {
      // a URL or header the HTTP client refuses (a baseUrl with a space): sending again fails the
      // same way, and throwing would hold the person's queue and log the request on every poll
      return new Attempt(
          Kind.PERMANENT,
          mask.mask("the request cannot be sent: " + e.getMessage(), request),
          null);
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
              Kind.PERMANENT,
              "HTTP " + status + " rejected: " + truncate(mask.mask(rejection, request)),
              null);
    }
    String error = "HTTP " + status + ": " + truncate(mask.mask(response.body(), request));
    return policy.isRetryable(status)
        ? new Attempt(Kind.RETRYABLE, error, response.retryAfter())
        : new Attempt(Kind.PERMANENT, error, null);
  }

  private Outcome retryOrDead(Delivery delivery, String retryAfter, String error) {
    if (policy.usedUp(delivery.attempts())) {
      return Outcome.dead(
          delivery.id(),
          "retries used up (" + policy.maxAttempts() + " attempts); last error: " + error,
          true);
    }
    long now = clock.millis();
    return Outcome.retry(
        delivery.id(), now + policy.nextDelayMillis(delivery.attempts(), retryAfter, now), error);
  }

  /** Records a round's outcomes in one transaction, then counts them. */
  private void record(List<Outcome> outcomes) {
    queue.record(outcomes);
    for (Outcome outcome : outcomes) {
      switch (outcome.status()) {
        case DELIVERED -> counts.delivered.incrementAndGet();
        case RETRYING -> counts.retried.incrementAndGet();
        case DEAD -> counts.dead.incrementAndGet();
        case SKIPPED -> counts.skipped.incrementAndGet();
        default -> throw new IllegalStateException("not an outcome: " + outcome.status());
      }
    }
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
        LOG.error("{} delivery failed; trying again", config.name(), Redacted.of(e));
        LOG.debug("{} delivery failed", config.name(), e);
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
    if (thread != null) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      thread = null;
    }
    if (senders != null) senders.shutdownNow(); // idle: the loop waited for its round
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
