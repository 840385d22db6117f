package dev.rollcall.destination.delivery;

import dev.rollcall.destination.Destination;
import java.util.Map;
import java.util.Set;

/**
 * One configured destination: which tool, with which settings, for which sources.
 *
 * @param name the destination's name in the queue, the API, metrics and the CLI: its key ({@code
 *     mixpanel}), or the name the configuration gives it when one tool is configured twice ({@code
 *     mixpanel-eu})
 * @param destination the adapter
 * @param settings the adapter's settings (credentials, base URL, ...); never logged nor shown
 * @param sources the source ids it gets calls from; empty for every source
 */
public record DestinationConfig(
    String name, Destination destination, Map<String, String> settings, Set<String> sources) {
  public DestinationConfig {
    if (name == null) throw new NullPointerException("name == null");
    if (destination == null) throw new NullPointerException("destination == null");
    settings = Map.copyOf(settings);
    sources = Set.copyOf(sources);
  }

  /** The adapter under its own key, for every source. */
  public static DestinationConfig of(Destination destination, Map<String, String> settings) {
    return new DestinationConfig(
        Destination.key(destination.name()), destination, settings, Set.of());
  }

  /** True when calls of this source go to this destination. */
  public boolean takesFrom(String sourceId) {
    return sources.isEmpty() || sources.contains(sourceId);
  }

  @Override
  public String toString() {
    return name + " (" + destination.name() + ")"; // never the settings: they hold secrets
  }
}
