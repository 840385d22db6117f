package dev.rollcall.client;

import dev.rollcall.client.DeliveryException.Reason;
import dev.rollcall.client.internal.Delayer;
import dev.rollcall.client.internal.Delivery;
import dev.rollcall.client.internal.Entry;
import dev.rollcall.client.internal.FlushMarker;
import dev.rollcall.client.internal.HttpThreads;
import dev.rollcall.client.internal.MessageIds;
import dev.rollcall.client.internal.RetryPolicy;
import dev.rollcall.client.internal.Sender;
import dev.rollcall.client.internal.UnwritableValueException;
import dev.rollcall.client.internal.Uploader;
import dev.rollcall.client.internal.WriterPool;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Sends identify, track, alias and group calls to a Rollcall server, or to any server that speaks
 * Segment's HTTP Tracking API, in batches, from a background thread.
 *
 * <pre>{@code
 * Rollcall rollcall = Rollcall.builder(writeKey).endpoint(URI.create("http://localhost:8080")).build();
 * rollcall.identify("97980cfea0067", Map.of("name", "Peter Gibbons", "email", "peter@initech.com"));
 * ...
 * rollcall.close(); // sends what is still queued
 * }</pre>
 *
 * <h2>How it works</h2>
 *
 * <p><b>Enqueueing, on the application's thread.</b> A call stamps the message (a {@code messageId}
 * and the {@link Clock}'s {@code timestamp} unless given), writes it to JSON at once with Jackson's
 * streaming generator (no copy of the caller's maps is needed, and its exact size is known: a
 * message over 32 KB is failed here, not sent), and offers it to one bounded queue of {@code
 * maxQueueSize} messages. When the queue is full the message is dropped and reported to the {@link
 * Callback} as {@link Reason#QUEUE_FULL}: memory stays bounded and the caller never waits. Nothing
 * on this path blocks or throws for a delivery problem; only invalid arguments throw.
 *
 * <p><b>Batching, on one sender thread</b> ({@code rollcall-sender}). It drains the queue in order
 * and closes a batch at {@code flushAt} messages, at 500 KB of body, {@code flushInterval} after
 * the batch's first message, or at a flush marker. Batches are assembled from the messages' JSON
 * bytes without parsing them again, then gzipped; {@code sentAt} is written at each attempt.
 *
 * <p><b>Sending, on a few HTTP threads.</b> Each batch is posted to {@code /v1/batch} (HTTP Basic:
 * the write key as user name) by one of the client's HTTP threads ({@code rollcall-http-N}), which
 * waits for the answer, handles it and runs the callback. At most {@code maxInFlight} batches are
 * outstanding (sent, or waiting for a retry); beyond that the sender waits, the queue fills, and
 * new messages overflow, rather than memory growing. Retries wait on a timer, not on a thread. What
 * is retried, and how long the waits are, is in {@link RetryPolicy}: network errors, 408, 429 and
 * 5xx but 501, 505 and 511, with exponential backoff and full jitter, or as {@code Retry-After}
 * asks.
 *
 * <p><b>Flush and close.</b> {@link #flush()} puts a marker in the queue and waits for it: the
 * sender closes the batch in progress at the marker and completes it when every batch started
 * before it has been delivered or failed, so that everything enqueued before {@code flush()} is
 * done when it returns. {@link #close()} does the same with a stop marker, waits at most {@code
 * closeTimeout}, then fails what is left ({@link Reason#CLOSED}) and stops the threads.
 *
 * <p>All methods are thread-safe. Each message is reported to the callback exactly once.
 */
public final class Rollcall implements AutoCloseable {
  /** Segment's limit for one message (bytes of JSON). */
  public static final int MAX_MESSAGE_BYTES = 32 * 1024;

  private final Clock clock;
  private final MessageIds ids = new MessageIds();
  private final WriterPool writers = new WriterPool();
  private final Delivery delivery;
  private final ArrayBlockingQueue<Object> queue;
  private final HttpThreads httpThreads;
  private final HttpClient http;
  private final Uploader uploader;
  private final Thread sender;
  private final int maxQueueSize;
  private final Duration closeTimeout;
  private volatile boolean closed;

  private Rollcall(Builder builder) {
    this.clock = builder.clock;
    this.delivery = new Delivery(builder.callback);
    this.maxQueueSize = builder.maxQueueSize;
    this.queue = new ArrayBlockingQueue<>(builder.maxQueueSize);
    this.closeTimeout = builder.closeTimeout;
    this.httpThreads = new HttpThreads();
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1) // Segment's API and Rollcall both; no h2c upgrade
            .connectTimeout(builder.requestTimeout)
            .followRedirects(HttpClient.Redirect.NEVER) // a POST is not redirected silently
            .executor(httpThreads)
            .build();
    Delayer delayer = builder.delayer != null ? builder.delayer : httpThreads::schedule;
    this.uploader =
        new Uploader.Builder()
            .http(http)
            .threads(httpThreads)
            .endpoint(builder.endpoint)
            .writeKey(builder.writeKey)
            .requestTimeout(builder.requestTimeout)
            .gzip(builder.gzip)
            .retryPolicy(
                new RetryPolicy(
                    builder.maxRetries,
                    builder.firstBackoff,
                    builder.maxBackoff,
                    builder.maxTotalBackoff))
            .clock(clock)
            .delayer(delayer)
            .delivery(delivery)
            .maxInFlight(builder.maxInFlight)
            .build();
    this.sender =
        new Thread(
            new Sender(queue, builder.flushAt, builder.flushInterval.toNanos(), uploader, delivery),
            "rollcall-sender");
    sender.setDaemon(true); // close() is how to deliver what is queued; it must not hold the JVM
    sender.start();
  }

  /** A builder for a client that authenticates with {@code writeKey}. */
  public static Builder builder(String writeKey) {
    return new Builder(writeKey);
  }

  /**
   * Enqueues an identify of {@code userId} with {@code traits}: {@code identify("97980cfea0067",
   * Map.of("name", "Peter Gibbons", "email", "peter@initech.com"))}.
   */
  public void identify(String userId, Map<String, ?> traits) {
    Message.requireText(userId, "userId");
    Message.requireNonNull(traits, "traits");
    offer(new Identify(userId, traits, clock.instant(), ids.next()));
  }

  /** Enqueues a track of {@code event} by {@code userId}. */
  public void track(String userId, String event, Map<String, ?> properties) {
    enqueue(Track.builder(event).userId(userId).properties(properties).build());
  }

  /** Enqueues a group call tying {@code userId} to {@code groupId}. */
  public void group(String userId, String groupId, Map<String, ?> traits) {
    enqueue(Group.builder(groupId).userId(userId).traits(traits).build());
  }

  /** Enqueues an alias from {@code previousId} to {@code userId}. */
  public void alias(String previousId, String userId) {
    enqueue(Alias.builder(previousId).userId(userId).build());
  }

  /**
   * Enqueues {@code message}, giving it a messageId and a timestamp unless it has them. Returns at
   * once; the outcome goes to the callback.
   */
  public void enqueue(Message message) {
    Message.requireNonNull(message, "message");
    if (message.messageId() == null || message.timestamp() == null) {
      message =
          message.withDefaults(
              message.messageId() == null ? ids.next() : null,
              message.timestamp() == null ? clock.instant() : null);
    }
    offer(message);
  }

  private void offer(Message message) {
    if (closed) {
      delivery.failure(
          message,
          new DeliveryException(Reason.CLOSED, 0, "enqueued after the client was closed", null));
      return;
    }
    byte[] json;
    try {
      json = writers.write(message);
    } catch (UnwritableValueException e) {
      delivery.failure(message, new DeliveryException(Reason.UNWRITABLE, 0, e.getMessage(), null));
      return;
    }
    if (json.length > MAX_MESSAGE_BYTES) {
      delivery.failure(
          message,
          new DeliveryException(
              Reason.TOO_LARGE,
              0,
              "the message is "
                  + json.length
                  + " bytes of JSON, over the limit of "
                  + MAX_MESSAGE_BYTES,
              null));
      return;
    }
    Entry entry = new Entry(message, json);
    if (!queue.offer(entry)) {
      delivery.failure(
          message,
          new DeliveryException(
              Reason.QUEUE_FULL,
              0,
              "the queue is full (maxQueueSize = " + maxQueueSize + " messages)",
              null));
      return;
    }
    // close() may have drained the queue for the last time before this offer landed: then the
    // entry is still there and is failed here (if the sender took it, it is being sent)
    if (closed && queue.remove(entry)) {
      delivery.failure(
          message,
          new DeliveryException(Reason.CLOSED, 0, "enqueued while the client was closing", null));
    }
  }

  /**
   * Returns once every message enqueued before this call has been delivered or failed (and reported
   * to the callback). That can take as long as the retries of the last batch: see {@code
   * maxTotalBackoff}. Returns at once on a closed client; on interrupt, returns with the thread's
   * interrupt flag set.
   *
   * @throws IllegalStateException when called from a callback, where it would wait for itself
   */
  public void flush() {
    if (httpThreads.isCurrentThread()) {
      throw new IllegalStateException(
          "flush() called from a callback: it would wait for the batch being reported");
    }
    FlushMarker marker = FlushMarker.flush();
    try {
      if (!put(marker, false, 0)) {
        return;
      }
      marker.done().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause()); // not completed exceptionally
    }
  }

  /**
   * Sends what is queued and stops the client's threads, waiting at most {@code closeTimeout};
   * messages still undelivered then are failed as {@link Reason#CLOSED}. Messages enqueued after
   * close are failed the same way. Calling it again does nothing. Called from a callback, it does
   * not wait (the batch being reported could not finish meanwhile).
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    Duration timeout = httpThreads.isCurrentThread() ? Duration.ZERO : closeTimeout;
    long deadline = System.nanoTime() + timeout.toNanos();
    boolean finished = false;
    if (sender.isAlive()) {
      FlushMarker stop = FlushMarker.stop();
      try {
        if (put(stop, true, deadline)) {
          stop.done().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
          finished = true;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException e) {
        // out of time: what is left is failed below
      }
    } else {
      finished = true;
    }
    sender.interrupt(); // if still running, it fails what it holds and what is queued
    try {
      sender.join(TimeUnit.NANOSECONDS.toMillis(Math.max(0, deadline - System.nanoTime())) + 1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (!finished) {
      uploader.abandon();
    }
    uploader.close();
    httpThreads.shutdown(http, finished);
  }

  /**
   * Puts a marker in the queue, waiting for room (until {@code deadline}, a {@link
   * System#nanoTime()}, if {@code timed}); false if the client is closed or the time ran out.
   */
  private boolean put(FlushMarker marker, boolean timed, long deadline)
      throws InterruptedException {
    while (!queue.offer(marker, 50, TimeUnit.MILLISECONDS)) {
      if ((closed && !marker.stopsSender()) || (timed && System.nanoTime() - deadline > 0)) {
        return false;
      }
    }
    if (closed && !marker.stopsSender() && queue.remove(marker)) {
      return false;
    }
    return true;
  }

  /**
   * Options of a client. Each setter checks its argument at once and names what is wrong.
   *
   * <table>
   * <caption>Options and defaults</caption>
   * <tr><th>option</th><th>default</th></tr>
   * <tr><td>{@link #endpoint}</td><td>{@code http://localhost:8080}</td></tr>
   * <tr><td>{@link #flushAt}</td><td>250 messages</td></tr>
   * <tr><td>{@link #flushInterval}</td><td>10 s</td></tr>
   * <tr><td>{@link #maxQueueSize}</td><td>10,000 messages</td></tr>
   * <tr><td>{@link #maxInFlight}</td><td>4 batches</td></tr>
   * <tr><td>{@link #maxRetries}</td><td>10</td></tr>
   * <tr><td>{@link #retryBackoff}</td><td>500 ms, doubling up to 60 s</td></tr>
   * <tr><td>{@link #maxTotalBackoff}</td><td>5 min</td></tr>
   * <tr><td>{@link #requestTimeout}</td><td>15 s</td></tr>
   * <tr><td>{@link #gzip}</td><td>on</td></tr>
   * <tr><td>{@link #closeTimeout}</td><td>10 s</td></tr>
   * <tr><td>{@link #callback}</td><td>failures logged (System.Logger {@code
   * dev.rollcall.client}, WARNING)</td></tr>
   * <tr><td>{@link #clock}</td><td>{@link Clock#systemUTC()}</td></tr>
   * </table>
   */
  public static final class Builder {
    private final String writeKey;
    private URI endpoint = URI.create("http://localhost:8080");
    private int flushAt = 250;
    private Duration flushInterval = Duration.ofSeconds(10);
    private int maxQueueSize = 10_000;
    private int maxInFlight = 4;
    private int maxRetries = 10;
    private Duration firstBackoff = Duration.ofMillis(500);
    private Duration maxBackoff = Duration.ofSeconds(60);
    private Duration maxTotalBackoff = Duration.ofMinutes(5);
    private Duration requestTimeout = Duration.ofSeconds(15);
    private boolean gzip = true;
    private Duration closeTimeout = Duration.ofSeconds(10);
    private Callback callback = Delivery.LOG_FAILURES;
    private Clock clock = Clock.systemUTC();
    private Delayer delayer;

    private Builder(String writeKey) {
      this.writeKey = Message.requireText(writeKey, "writeKey");
    }

    /**
     * The server's base URI; batches are posted to its {@code /v1/batch}. Default {@code
     * http://localhost:8080}, where {@code bin/rollcall serve} listens.
     */
    public Builder endpoint(URI endpoint) {
      Message.requireNonNull(endpoint, "endpoint");
      String scheme = endpoint.getScheme();
      if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme)) {
        throw new IllegalArgumentException("endpoint is not http or https: " + endpoint);
      }
      if (endpoint.getHost() == null) {
        throw new IllegalArgumentException("endpoint has no host: " + endpoint);
      }
      this.endpoint = endpoint;
      return this;
    }

    /** Messages in a batch before it is sent without waiting for the interval. Default 250. */
    public Builder flushAt(int flushAt) {
      if (flushAt <= 0) {
        throw new IllegalArgumentException("flushAt <= 0: " + flushAt);
      }
      this.flushAt = flushAt;
      return this;
    }

    /**
     * The longest a message waits for its batch to fill before the batch is sent anyway, counted
     * from the batch's first message. Default 10 s.
     */
    public Builder flushInterval(Duration flushInterval) {
      this.flushInterval = requirePositive(flushInterval, "flushInterval");
      return this;
    }

    /**
     * Messages the queue holds (waiting for their batch); when it is full a new message is dropped
     * and reported as {@link Reason#QUEUE_FULL}. Default 10,000. Each queued message takes about
     * its JSON size in memory plus the message object.
     */
    public Builder maxQueueSize(int maxQueueSize) {
      if (maxQueueSize <= 0) {
        throw new IllegalArgumentException("maxQueueSize <= 0: " + maxQueueSize);
      }
      this.maxQueueSize = maxQueueSize;
      return this;
    }

    /**
     * Batches outstanding at once: sent and not answered, or waiting for a retry. Default 4. With
     * 1, batches arrive in the order they were made.
     */
    public Builder maxInFlight(int maxInFlight) {
      if (maxInFlight <= 0) {
        throw new IllegalArgumentException("maxInFlight <= 0: " + maxInFlight);
      }
      this.maxInFlight = maxInFlight;
      return this;
    }

    /** Retries of a batch after its first attempt, 0 for none. Default 10. */
    public Builder maxRetries(int maxRetries) {
      if (maxRetries < 0) {
        throw new IllegalArgumentException("maxRetries < 0: " + maxRetries);
      }
      this.maxRetries = maxRetries;
      return this;
    }

    /**
     * The backoff before retries: before retry {@code n} a random wait up to {@code first *
     * 2^(n-1)}, capped at {@code max}. Default 500 ms and 60 s. A {@code Retry-After} header
     * replaces it.
     */
    public Builder retryBackoff(Duration first, Duration max) {
      requirePositive(first, "first");
      requirePositive(max, "max");
      if (max.compareTo(first) < 0) {
        throw new IllegalArgumentException("max < first: " + max + " < " + first);
      }
      this.firstBackoff = first;
      this.maxBackoff = max;
      return this;
    }

    /**
     * The most a batch waits between its attempts, in all; a retry that would wait past it
     * (including a long {@code Retry-After}) is not made. Default 5 min.
     */
    public Builder maxTotalBackoff(Duration maxTotalBackoff) {
      Message.requireNonNull(maxTotalBackoff, "maxTotalBackoff");
      if (maxTotalBackoff.isNegative()) {
        throw new IllegalArgumentException("maxTotalBackoff < 0: " + maxTotalBackoff);
      }
      this.maxTotalBackoff = maxTotalBackoff;
      return this;
    }

    /**
     * How long to wait for a connection, and then for the response's headers, before the attempt
     * counts as a network error (and is retried); the whole attempt, the response's body included,
     * may take twice this at most. Default 15 s.
     */
    public Builder requestTimeout(Duration requestTimeout) {
      this.requestTimeout = requirePositive(requestTimeout, "requestTimeout");
      return this;
    }

    /** Whether batches are sent gzip-compressed ({@code Content-Encoding: gzip}). Default on. */
    public Builder gzip(boolean gzip) {
      this.gzip = gzip;
      return this;
    }

    /** How long {@link Rollcall#close()} waits for queued messages to go out. Default 10 s. */
    public Builder closeTimeout(Duration closeTimeout) {
      Message.requireNonNull(closeTimeout, "closeTimeout");
      if (closeTimeout.isNegative()) {
        throw new IllegalArgumentException("closeTimeout < 0: " + closeTimeout);
      }
      this.closeTimeout = closeTimeout;
      return this;
    }

    /** Hears each message's success or failure. Default: failures are logged. */
    public Builder callback(Callback callback) {
      this.callback = Message.requireNonNull(callback, "callback");
      return this;
    }

    /**
     * Where {@code timestamp}, {@code sentAt} and the {@code Retry-After} dates are read. Default
     * {@link Clock#systemUTC()}.
     */
    public Builder clock(Clock clock) {
      this.clock = Message.requireNonNull(clock, "clock");
      return this;
    }

    /** How retries wait; tests give one that records the waits and skips them. */
    Builder delayer(Delayer delayer) {
      this.delayer = delayer;
      return this;
    }

    /** A client, with its sender thread started. */
    public Rollcall build() {
      return new Rollcall(this);
    }

    private static Duration requirePositive(Duration duration, String name) {
      Message.requireNonNull(duration, name);
      if (duration.isNegative() || duration.isZero()) {
        throw new IllegalArgumentException(name + " <= 0: " + duration);
      }
      return duration;
    }
  }
}
