package dev.rollcall.server.config;

import dev.rollcall.destination.delivery.RetryPolicy;
import java.time.Duration;
import java.util.Map;

/**
 * One destination as configured.
 *
 * @param name its name in the queue, the API and metrics: the key under {@code destinations:}
 * @param type the adapter, as Segment spells it or its key ({@code mixpanel}, {@code Customer.io})
 * @param settings the adapter's settings, {@code ${VAR}} already expanded; never logged
 * @param timeout how long one request may take, connecting and answering included
 * @param maxAttempts attempts in all before a delivery is dead
 * @param concurrency requests in flight at once, each for a different person
 */
public record DestinationSetup(
    String name,
    String type,
    Map<String, String> settings,
    Duration timeout,
    int maxAttempts,
    int concurrency) {
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
  public static final int DEFAULT_MAX_ATTEMPTS = RetryPolicy.DEFAULT_MAX_ATTEMPTS;
  public static final int DEFAULT_CONCURRENCY = 4;

  /** With the default concurrency. */
  public DestinationSetup(
      String name, String type, Map<String, String> settings, Duration timeout, int maxAttempts) {
    this(name, type, settings, timeout, maxAttempts, DEFAULT_CONCURRENCY);
  }

  public DestinationSetup {
    settings = Map.copyOf(settings);
  }

  @Override
  public String toString() {
    return name + " (" + type + ")"; // never the settings: they hold secrets
  }
}
