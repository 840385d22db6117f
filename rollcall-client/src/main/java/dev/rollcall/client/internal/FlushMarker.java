package dev.rollcall.client.internal;

import java.util.concurrent.CompletableFuture;

/**
 * A place in the queue: when the sender reaches it, everything before it has been put in batches;
 * {@link #done} completes when those batches have been delivered or failed. A stop marker also ends
 * the sender.
 */
public final class FlushMarker {
  final CompletableFuture<Void> done = new CompletableFuture<>();
  final boolean stop;

  private FlushMarker(boolean stop) {
    this.stop = stop;
  }

  public static FlushMarker flush() {
    return new FlushMarker(false);
  }

  public static FlushMarker stop() {
    return new FlushMarker(true);
  }

  public boolean stopsSender() {
    return stop;
  }

  public CompletableFuture<Void> done() {
    return done;
  }
}
