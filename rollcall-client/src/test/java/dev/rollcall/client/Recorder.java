package dev.rollcall.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** A callback that records every outcome, and the thread it was reported on. */
final class Recorder implements Callback {
  static final Duration DEADLINE = Duration.ofSeconds(20);

  final List<Message> successes = new CopyOnWriteArrayList<>();
  final List<Message> failed = new CopyOnWriteArrayList<>();
  final Map<String, DeliveryException> failures = new ConcurrentHashMap<>();
  final Map<String, String> threads = new ConcurrentHashMap<>();

  @Override
  public void success(Message message) {
    threads.put(message.messageId(), Thread.currentThread().getName());
    successes.add(message);
  }

  @Override
  public void failure(Message message, DeliveryException error) {
    threads.put(message.messageId(), Thread.currentThread().getName());
    failures.put(message.messageId(), error);
    failed.add(message);
  }

  int outcomes() {
    return successes.size() + failed.size();
  }

  /** The one failure reported; fails the test if there is not exactly one. */
  DeliveryException onlyFailure() {
    assertThat(failed).hasSize(1);
    return failures.get(failed.get(0).messageId());
  }

  /** Waits (up to {@link #DEADLINE}) until {@code count} outcomes are reported. */
  void awaitOutcomes(int count) throws InterruptedException {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (outcomes() < count) {
      assertThat(System.nanoTime())
          .as("%s outcomes within %s, have %s", count, DEADLINE, outcomes())
          .isLessThan(deadline);
      Thread.sleep(10);
    }
  }
}
