package dev.rollcall.client.internal;

import dev.rollcall.client.DeliveryException;
import dev.rollcall.client.DeliveryException.Reason;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Sends batches to {@code /v1/batch}, retries them by the {@link RetryPolicy}, and reports each
 * message's outcome. At most {@code maxInFlight} batches are outstanding at once (sent, or waiting
 * to be retried): {@link #start} blocks the sender thread beyond that, which is what lets the queue
 * fill up and overflow instead of memory.
 *
 * <p>Each attempt is posted from one of the client's HTTP threads, which waits for the answer,
 * handles it and runs the callbacks: at most {@code maxInFlight} threads are busy so. A retry waits
 * on the {@link Delayer}, without holding a thread.
 */
public final class Uploader implements AutoCloseable {
  private final HttpClient http;
  private final Executor threads;
  private final URI uri;
  private final String authorization;
  private final Duration requestTimeout;
  private final BatchEncoder encoder;
  private final RetryPolicy retryPolicy;
  private final Clock clock;
  private final Delayer delayer;
  private final Delivery delivery;
  private final Semaphore permits;
  private final Set<Batch> outstanding = ConcurrentHashMap.newKeySet();

  private Uploader(Builder builder) {
    this.http = builder.http;
    this.threads = builder.threads;
    this.uri = batchUri(builder.endpoint);
    this.authorization =
        "Basic "
            + Base64.getEncoder()
                .encodeToString((builder.writeKey + ":").getBytes(StandardCharsets.UTF_8));
    this.requestTimeout = builder.requestTimeout;
    this.encoder = new BatchEncoder(builder.gzip);
    this.retryPolicy = builder.retryPolicy;
    this.clock = builder.clock;
    this.delayer = builder.delayer;
    this.delivery = builder.delivery;
    this.permits = new Semaphore(builder.maxInFlight);
  }

  /** {@code endpoint} with {@code /v1/batch} appended to its path (without doubling a slash). */
  static URI batchUri(URI endpoint) {
    String base = endpoint.toString();
    int end = base.length();
    while (end > 0 && base.charAt(end - 1) == '/') {
      end--;
    }
    return URI.create(base.substring(0, end) + "/v1/batch");
  }

  public URI uri() {
    return uri;
  }

  /**
   * Sends {@code batch}, once fewer than {@code maxInFlight} batches are outstanding. Called by the
   * sender thread only.
   */
  void start(Batch batch) throws InterruptedException {
    permits.acquire();
    outstanding.add(batch);
    attempt(batch);
  }

  /** Completes when every batch outstanding now has been delivered or failed. */
  CompletableFuture<Void> idle() {
    CompletableFuture<?>[] pending =
        outstanding.stream().map(b -> b.done).toArray(CompletableFuture<?>[]::new);
    return CompletableFuture.allOf(pending);
  }

  private void attempt(Batch batch) {
    if (batch.isFinished()) {
      return; // given up on by close()
    }
    HttpRequest request;
    try {
      request = request(batch);
    } catch (RuntimeException e) { // the encoder closed under a late retry, or a bug
      fail(batch, Reason.CLOSED, 0, "the batch could not be encoded: " + e, e);
      return;
    }
    batch.attempts++;
    try {
      threads.execute(() -> send(batch, request));
    } catch (RuntimeException e) { // the threads shut down by close(), or a bug
      handle(batch, null, e);
    }
  }

  /**
   * Posts on one of the client's HTTP threads and handles the answer there, so that callbacks run
   * on those threads. The thread waits on {@code sendAsync}'s future itself, with a deadline, and
   * nothing depends on that future: the JDK runs what depends on it in the common pool, which on a
   * machine of two cores or fewer is a new thread per task.
   *
   * <p>Why a deadline of our own: the request's timeout covers the connection and the response's
   * headers only. A server that sent its headers and then stalled in the body held this thread and
   * its place among the requests in flight for good: four such answers stopped the client, and
   * {@code flush()} waited forever. The whole attempt gets twice the request timeout (a connection,
   * then an answer); past it, the exchange is cancelled and the batch retried, as for any network
   * error.
   */
  private void send(Batch batch, HttpRequest request) {
    CompletableFuture<HttpResponse<byte[]>> exchange =
        http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray());
    HttpResponse<byte[]> response;
    try {
      response = exchange.get(2 * requestTimeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      exchange.cancel(true);
      handle(
          batch,
          null,
          new HttpTimeoutException(
              "the answer did not arrive in full within " + 2 * requestTimeout.toMillis() + " ms"));
      return;
    } catch (ExecutionException e) {
      handle(batch, null, e.getCause());
      return;
    } catch (InterruptedException e) { // close() ran out of time: it fails the batch
      exchange.cancel(true);
      Thread.currentThread().interrupt();
      return;
    }
    handle(batch, response, null);
  }

  private HttpRequest request(Batch batch) {
    byte[] body = encoder.encode(batch.entries, clock.millis());
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            .timeout(requestTimeout)
            .header("Content-Type", "application/json")
            .header("Authorization", authorization)
            .header("User-Agent", Version.LIBRARY_NAME + "/" + Version.VERSION);
    if (encoder.gzip()) {
      request.header("Content-Encoding", "gzip");
    }
    if (batch.attempts > 0) {
      request.header("X-Retry-Count", Integer.toString(batch.attempts));
    }
    return request.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
  }

  private void handle(Batch batch, HttpResponse<byte[]> response, Throwable error) {
    if (batch.isFinished()) {
      return;
    }
    if (error != null) {
      Throwable cause = error instanceof CompletionException ? error.getCause() : error;
      String what = cause instanceof IOException ? "network error: " : "request failed: ";
      retryOrFail(batch, 0, -1, what + cause, cause);
      return;
    }
    int status = response.statusCode();
    if (status >= 200 && status <= 299) {
      succeed(batch, Reply.parseSuccess(response.body()));
    } else if (RetryPolicy.isRetryable(status)) {
      long retryAfter =
          RetryPolicy.retryAfterNanos(
              response.headers().firstValue("Retry-After").orElse(null), clock.instant());
      retryOrFail(batch, status, retryAfter, describe(status, Reply.parse(response.body())), null);
    } else {
      reject(batch, status, Reply.parse(response.body()));
    }
  }

  private void retryOrFail(
      Batch batch, int status, long retryAfterNanos, String problem, Throwable cause) {
    int retry = batch.attempts; // the retry this would be, from 1
    if (retry > retryPolicy.maxRetries()) {
      fail(
          batch,
          Reason.RETRIES_EXHAUSTED,
          status,
          problem + " (gave up after " + batch.attempts + " attempts)",
          cause);
      return;
    }
    long delay =
        retryAfterNanos >= 0
            ? retryAfterNanos
            : retryPolicy.backoffNanos(retry, ThreadLocalRandom.current().nextDouble());
    if (delay > retryPolicy.maxTotalBackoffNanos() - batch.backoffNanos) {
      fail(
          batch,
          Reason.RETRIES_EXHAUSTED,
          status,
          problem
              + " (gave up after "
              + batch.attempts
              + " attempts: waiting "
              + millis(delay)
              + (retryAfterNanos >= 0 ? " as Retry-After asks" : "")
              + " would pass maxTotalBackoff, "
              + millis(retryPolicy.maxTotalBackoffNanos())
              + ")",
          cause);
      return;
    }
    batch.backoffNanos += delay;
    delayer.schedule(() -> attempt(batch), delay);
  }

  private void succeed(Batch batch, Reply reply) {
    if (!batch.finish()) {
      return;
    }
    for (int i = 0; i < batch.entries.size(); i++) {
      Entry entry = batch.entries.get(i);
      String rejection = reply.rejected.get(i);
      if (rejection == null) {
        delivery.success(entry.message);
      } else {
        delivery.failure(
            entry.message, new DeliveryException(Reason.REJECTED, 200, rejection, null));
      }
    }
    release(batch);
  }

  /** A final error status: per-message reasons when the server gave them. */
  private void reject(Batch batch, int status, Reply reply) {
    if (!batch.finish()) {
      return;
    }
    DeliveryException whole =
        new DeliveryException(Reason.REJECTED, status, describe(status, reply), null);
    Map<Integer, String> rejected = reply.rejected;
    for (int i = 0; i < batch.entries.size(); i++) {
      String own = rejected.get(i);
      delivery.failure(
          batch.entries.get(i).message,
          own == null ? whole : new DeliveryException(Reason.REJECTED, status, own, null));
    }
    release(batch);
  }

  private void fail(Batch batch, Reason reason, int status, String problem, Throwable cause) {
    if (!batch.finish()) {
      return;
    }
    DeliveryException error = new DeliveryException(reason, status, problem, cause);
    for (Entry entry : batch.entries) {
      delivery.failure(entry.message, error);
    }
    release(batch);
  }

  private void release(Batch batch) {
    outstanding.remove(batch);
    permits.release();
    batch.done.complete(null);
  }

  /** Fails every outstanding batch as {@link Reason#CLOSED}: close() ran out of time. */
  public void abandon() {
    for (Batch batch : outstanding) {
      fail(
          batch,
          Reason.CLOSED,
          0,
          "the client was closed before the server answered; it may have received the message",
          null);
    }
  }

  private static String describe(int status, Reply reply) {
    return "HTTP " + status + (reply.error != null ? ": " + reply.error : "");
  }

  private static String millis(long nanos) {
    return Duration.ofNanos(nanos).toMillis() + " ms";
  }

  @Override
  public void close() {
    encoder.close();
  }

  /** What an uploader needs; every field is required. */
  public static final class Builder {
    HttpClient http;

    /** Where requests are sent from and answers handled. */
    Executor threads;

    /** The server's base URI; batches go to its {@code /v1/batch}. */
    URI endpoint;

    String writeKey;
    Duration requestTimeout;
    boolean gzip;
    RetryPolicy retryPolicy;
    Clock clock;
    Delayer delayer;
    Delivery delivery;
    int maxInFlight;

    public Builder http(HttpClient http) {
      this.http = http;
      return this;
    }

    public Builder threads(Executor threads) {
      this.threads = threads;
      return this;
    }

    public Builder endpoint(URI endpoint) {
      this.endpoint = endpoint;
      return this;
    }

    public Builder writeKey(String writeKey) {
      this.writeKey = writeKey;
      return this;
    }

    public Builder requestTimeout(Duration requestTimeout) {
      this.requestTimeout = requestTimeout;
      return this;
    }

    public Builder gzip(boolean gzip) {
      this.gzip = gzip;
      return this;
    }

    public Builder retryPolicy(RetryPolicy retryPolicy) {
      this.retryPolicy = retryPolicy;
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    public Builder delayer(Delayer delayer) {
      this.delayer = delayer;
      return this;
    }

    public Builder delivery(Delivery delivery) {
      this.delivery = delivery;
      return this;
    }

    public Builder maxInFlight(int maxInFlight) {
      this.maxInFlight = maxInFlight;
      return this;
    }

    public Uploader build() {
      return new Uploader(this);
    }
  }
}
