package dev.rollcall.server.collect;

import dev.rollcall.MessageType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The collector's counters, kept by the meters themselves so the hot path does no look-ups. */
public final class CollectorMetrics {
  private final MeterRegistry registry;
  private final Map<MessageType, Counter> accepted = new EnumMap<>(MessageType.class);
  private final Counter duplicates;
  private final Counter bodyBytes;
  private final DistributionSummary commitEntries;
  private final Timer commitLatency;

  public CollectorMetrics(MeterRegistry registry) {
    this.registry = registry;
    for (MessageType type : MessageType.values()) {
      accepted.put(
          type,
          Counter.builder("rollcall.messages.accepted")
              .description("Messages stored in the event log")
              .tag("type", type.wireName())
              .register(registry));
    }
    duplicates =
        Counter.builder("rollcall.messages.duplicate")
            .description("Messages acknowledged but not stored again: their messageId was seen")
            .register(registry);
    bodyBytes =
        Counter.builder("rollcall.request.body")
            .baseUnit("bytes")
            .description("Request body bytes received, as sent (before decompression)")
            .register(registry);
    commitEntries =
        DistributionSummary.builder("rollcall.log.commit.entries")
            .description("Entries per group commit of the event log")
            .register(registry);
    commitLatency =
        Timer.builder("rollcall.log.commit")
            .description("Time per group commit of the event log, fsync included")
            .register(registry);
  }

  void request(String endpoint, int status) {
    registry
        .counter("rollcall.http.requests", "endpoint", endpoint, "status", Integer.toString(status))
        .increment();
  }

  void accepted(MessageType type) {
    accepted.get(type).increment();
  }

  /** A rejected message, by the field at fault (a small, fixed set: the spec's fields). */
  void rejected(String reason) {
    registry.counter("rollcall.messages.rejected", "reason", reason).increment();
  }

  void duplicates(int count) {
    duplicates.increment(count);
  }

  void bodyBytes(int bytes) {
    bodyBytes.increment(bytes);
  }

  /** Called by the event log after each commit. */
  public void committed(int entries, long nanos) {
    commitEntries.record(entries);
    commitLatency.record(nanos, TimeUnit.NANOSECONDS);
  }
}
