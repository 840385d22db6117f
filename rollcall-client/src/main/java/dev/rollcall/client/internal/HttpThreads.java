package dev.rollcall.client.internal;

import java.lang.reflect.Method;
import java.net.http.HttpClient;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The client's HTTP threads ({@code rollcall-http-N}, daemons): the {@link HttpClient}'s executor,
 * where responses are handled and callbacks run, and where delayed retries are started. Threads are
 * made as needed (at most one per outstanding batch is busy at a time) and end after 60 s idle.
 */
public final class HttpThreads implements Executor {
  private final AtomicInteger count = new AtomicInteger();
  private final ThreadPoolExecutor pool =
      new ThreadPoolExecutor(
          0,
          Integer.MAX_VALUE,
          60,
          TimeUnit.SECONDS,
          new SynchronousQueue<>(),
          task -> new Worker(this, task, "rollcall-http-" + count.incrementAndGet()));

  /** Whether the calling thread is one of these: a callback is running on it. */
  public boolean isCurrentThread() {
    Thread current = Thread.currentThread();
    return current instanceof Worker && ((Worker) current).owner == this;
  }

  @Override
  public void execute(Runnable task) {
    pool.execute(task);
  }

  /** Runs {@code task} on these threads after {@code delayNanos}, without holding one meanwhile. */
  public void schedule(Runnable task, long delayNanos) {
    if (delayNanos <= 0) {
      execute(task);
    } else {
      CompletableFuture.delayedExecutor(delayNanos, TimeUnit.NANOSECONDS, pool).execute(task);
    }
  }

  /**
   * Stops the HTTP client and these threads. On Java 21 and later the client itself is closed
   * (which ends its selector thread at once), gracefully when nothing is in flight ({@code idle}),
   * else at once; on Java 11 to 20 its selector thread ends when the client is collected.
   */
  public void shutdown(HttpClient http, boolean idle) {
    try {
      if (idle && http instanceof AutoCloseable) {
        ((AutoCloseable) http).close();
      } else {
        Method shutdownNow = HttpClient.class.getMethod("shutdownNow");
        shutdownNow.invoke(http);
      }
    } catch (NoSuchMethodException e) {
      // before Java 21
    } catch (Exception e) {
      Delivery.LOG.log(System.Logger.Level.DEBUG, "closing the HTTP client failed", e);
    }
    pool.shutdownNow();
  }

  private static final class Worker extends Thread {
    final HttpThreads owner;

    Worker(HttpThreads owner, Runnable task, String name) {
      super(task, name);
      this.owner = owner;
      setDaemon(true);
    }
  }
}
