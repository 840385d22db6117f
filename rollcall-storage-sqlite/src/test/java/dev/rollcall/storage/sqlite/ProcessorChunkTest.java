package dev.rollcall.storage.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rollcall.profile.ExternalId;
import dev.rollcall.profile.IdKind;
import dev.rollcall.profile.Processor;
import dev.rollcall.storage.AppendResult;
import dev.rollcall.storage.EventLog;
import dev.rollcall.storage.LogEntry;
import dev.rollcall.tests.Calls;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The processor reads larger chunks while a backlog fills them, and small ones again after. */
class ProcessorChunkTest {
  @TempDir Path dir;
  private final Calls calls = new Calls();
  private int users;

  @Test
  void drain_backlog_doublesTheChunkUpToEightTimes_thenStartsSmallAgain() throws Exception {
    try (SqliteEventLog sqlite =
            SqliteEventLog.open(
                dir.resolve("events.db"), Clock.systemUTC(), Duration.ofHours(24), 1_000_000);
        SqliteProfileStore store = SqliteProfileStore.open(dir.resolve("profiles.db"))) {
      RecordingLog log = new RecordingLog(sqlite);
      append(sqlite, 250);
      try (Processor processor = new Processor(log, store, 10)) {
        assertThat(processor.drain()).isEqualTo(250);
        assertThat(log.limits).containsExactly(10, 20, 40, 80, 80, 80);

        log.limits.clear();
        append(sqlite, 5);
        assertThat(processor.drain()).isEqualTo(5);
        assertThat(log.limits).containsExactly(10);
        assertThat(processor.applied()).isEqualTo(255);
      }
      assertThat(store.find(ExternalId.of(IdKind.USER_ID, "u254"))).isPresent();
    }
  }

  private void append(EventLog log, int n) throws Exception {
    List<LogEntry> entries = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      entries.add(calls.entry("{'type':'identify','userId':'u" + users++ + "'}"));
    }
    log.append(entries).get(10, TimeUnit.SECONDS);
  }

  /** The log, recording the limit of each read. */
  private static final class RecordingLog implements EventLog {
    final List<Integer> limits = new ArrayList<>();
    private final EventLog log;

    RecordingLog(EventLog log) {
      this.log = log;
    }

    @Override
    public CompletableFuture<AppendResult> append(List<LogEntry> entries) {
      return log.append(entries);
    }

    @Override
    public List<LogEntry> read(long offset, int limit) {
      limits.add(limit);
      return log.read(offset, limit);
    }

    @Override
    public boolean isWritable() {
      return log.isWritable();
    }

    @Override
    public void close() {}
  }
}
