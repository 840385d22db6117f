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
import dev.rollcall.destination.Plan;
import dev.rollcall.internal.Json;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends one destination's due deliveries and records the outcome in the queue.
 *
 * <p>For each due delivery: the stored message is planned with the destination's (delivery mode)
 * settings and the plan's requests are sent in order. All answered 2xx: delivered. A retryable
 * failure (network error or timeout, 408, 429, most 5xx; see {@link RetryPolicy}): retried after
 * the policy's delay, or dead with "retries used up" once the policy's attempts are spent. Any
 * other status: dead with the status and the body. A plan that is skipped: skipped with its reason.
 * A setting that is missing or invalid, or a message that cannot be read: dead or skipped at once,
 * since trying again cannot help. Response bodies in errors are cut at {@value #MAX_BODY_CHARS}
 * characters.
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
  private static final int BATCH = 100;
  private static final Logger LOG = LoggerFactory.getLogger(DeliveryWorker.class);

  private final Destination destination;
  private final DestinationSettings settings;
  private final DeliveryQueue queue;
  private final HttpSender sender;
  private final RetryPolicy policy;
  private final Clock clock;
  private Thread thread;
  private volatile boolean running;
  private volatile boolean closing;

  public DeliveryWorker(
      Destination destination,
      DestinationSettings settings,
      DeliveryQueue queue,
      HttpSender sender,
      RetryPolicy policy,
      Clock clock) {
    if (settings.isPreview()) {
      throw new IllegalArgumentException("delivery needs DestinationSettings.of, not preview");
    }
    this.destination = destination;
    this.settings = settings;
    this.queue = queue;
    this.sender = sender;
    this.policy = policy;
    this.clock = clock;
  }

  /**
   * Attempts up to {@code limit} due deliveries once each.
   *
   * @return how many were handled (delivered, retried, dead or skipped); fewer than taken only when
   *     the thread was interrupted, in which case the rest stay due
   */
  public int runOnce(int limit) {
    List<Delivery> due = queue.due(destination.name(), clock.millis(), limit);
    int handled = 0;
    for (Delivery delivery : due) {
      if (Thread.currentThread().isInterrupted() || closing) break;
      if (!handle(delivery)) break;
      handled++;
    }
    return handled;
  }

  /** False when interrupted before the outcome was recorded. */
  private boolean handle(Delivery delivery) {
    long id = delivery.id();
    Message message;
    try {
      JsonNode json = Json.read(delivery.message());
      if (!(json instanceof ObjectNode object)) {
        queue.skipped(id, "the stored message is not a JSON object");
        return true;
      }
      JsonNode type = object.get("type");
      if (type == null || !"identify".equals(type.asText())) {
        queue.skipped(id, "only identify calls are delivered; this is " + type);
        return true;
      }
      message = new Message(MessageType.IDENTIFY, object);
    } catch (IOException e) {
      queue.skipped(id, "the stored message cannot be read: " + e.getMessage());
      return true;
    }

    Plan plan;
    try {
      plan = destination.plan(message, settings);
    } catch (MissingSettingException | IllegalArgumentException e) {
      queue.dead(id, e.getMessage());
      return true;
    } catch (RuntimeException e) {
      // A bug in the adapter: retrying would fail the same way and hold the person's queue.
      LOG.error("{} failed to plan delivery {}", destination.name(), id, e);
      queue.dead(id, "adapter error: " + e);
      return true;
    }
    if (plan.skipped()) {
      queue.skipped(id, plan.skipReason());
      return true;
    }

    for (DestinationRequest request : plan.requests()) {
      HttpSender.Response response;
      try {
        response = sender.send(request);
      } catch (IOException e) {
        retryOrDead(delivery, null, "network error: " + describe(e));
        return true;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
      int status = response.status();
      if (status >= 200 && status <= 299) continue;
      String error = "HTTP " + status + ": " + truncate(response.body());
      if (policy.isRetryable(status)) {
        retryOrDead(delivery, response.retryAfter(), error);
      } else {
        queue.dead(id, error);
      }
      return true;
    }
    queue.delivered(id, clock.millis());
    return true;
  }

  private void retryOrDead(Delivery delivery, String retryAfter, String error) {
    if (policy.usedUp(delivery.attempts())) {
      queue.dead(
          delivery.id(),
          "retries used up (" + policy.maxAttempts() + " attempts); last error: " + error);
      return;
    }
    long now = clock.millis();
    queue.retry(
        delivery.id(), now + policy.nextDelayMillis(delivery.attempts(), retryAfter, now), error);
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
    thread = new Thread(this::loop, "rollcall-delivery-" + Destination.key(destination.name()));
    thread.setDaemon(true);
    thread.start();
  }

  private void loop() {
    while (running) {
      int handled = 0;
      try {
        handled = runOnce(BATCH);
      } catch (RuntimeException e) {
        LOG.error("{} delivery failed; trying again", destination.name(), e);
      }
      if (handled == BATCH) continue; // more may be due right away
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
}
