package dev.rollcall.client.internal;

/**
 * Runs a task after a wait: how retries wait without holding a thread. Tests replace it to see the
 * waits asked for and to skip them.
 */
public interface Delayer {
  void schedule(Runnable task, long delayNanos);
}
