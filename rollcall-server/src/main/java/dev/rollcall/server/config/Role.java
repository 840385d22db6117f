package dev.rollcall.server.config;

import java.util.Locale;

/**
 * What one server does when the log is on Kafka and the store on PostgreSQL, so that each part
 * scales on its own: collectors take calls, processors apply them (and queue their deliveries),
 * delivery workers send them. {@link #ALL} does everything; with the embedded store it is the only
 * role.
 */
public enum Role {
  ALL,
  COLLECTOR,
  PROCESSOR,
  DELIVERY;

  /** True when this role includes {@code part}. */
  public boolean runs(Role part) {
    return this == ALL || this == part;
  }

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The role for {@code collector}, {@code processor}, {@code delivery} or {@code all}. */
  public static Role parse(String name) {
    for (Role role : values()) {
      if (role.wireName().equals(name.trim().toLowerCase(Locale.ROOT))) return role;
    }
    throw new IllegalArgumentException(
        "role must be collector, processor, delivery or all, not " + name);
  }
}
