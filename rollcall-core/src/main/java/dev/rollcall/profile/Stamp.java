package dev.rollcall.profile;

import dev.rollcall.Message;
import java.util.Comparator;

/**
 * The order of calls: by {@code timestamp}, ties broken by {@code receivedAt}, then {@code
 * messageId}. Every decision that could depend on the order calls arrive in (which value of a trait
 * is the latest, which user an anonymous id was joined to first) compares stamps instead, so the
 * profiles are the same whatever the arrival order, and replaying the log rebuilds them.
 *
 * @param timestamp milliseconds since the epoch
 * @param receivedAt milliseconds since the epoch
 */
public record Stamp(long timestamp, long receivedAt, String messageId)
    implements Comparable<Stamp> {
  private static final Comparator<Stamp> ORDER =
      Comparator.comparingLong(Stamp::timestamp)
          .thenComparingLong(Stamp::receivedAt)
          .thenComparing(Stamp::messageId);

  public static Stamp of(Message message) {
    return new Stamp(
        message.timestamp().toEpochMilli(),
        message.receivedAt().toEpochMilli(),
        message.messageId());
  }

  @Override
  public int compareTo(Stamp other) {
    return ORDER.compare(this, other);
  }

  public boolean isAfter(Stamp other) {
    return compareTo(other) > 0;
  }
}
