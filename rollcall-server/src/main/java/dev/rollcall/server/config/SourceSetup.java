package dev.rollcall.server.config;

import java.util.List;

/**
 * A named source: its write key and the destinations its calls go to.
 *
 * @param destinations the names of its destinations; null for every configured destination
 */
public record SourceSetup(String name, String writeKey, List<String> destinations) {
  public SourceSetup {
    destinations = destinations == null ? null : List.copyOf(destinations);
  }

  public boolean sendsTo(String destination) {
    return destinations == null || destinations.contains(destination);
  }

  @Override
  public String toString() {
    return name; // never the write key
  }
}
