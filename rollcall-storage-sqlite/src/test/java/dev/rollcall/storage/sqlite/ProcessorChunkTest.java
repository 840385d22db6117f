package dev.rollcall.storage.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rollcall.profile.ExternalId;
import dev.rollcall.profile.IdKind;
import dev.rollcall.profile.Processor;
import dev.rollcall.profile.Profile;
import dev.rollcall.profile.ProfileStore;
import dev.rollcall.profile.ProfileWriter;
import dev.rollcall.storage.AppendResult;
import dev.rollcall.storage.EventLog;
import dev.rollcall.storage.LogEntry;
import dev.rollcall.tests.Calls;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The processor reads larger chunks while a backlog fills them, and small ones again after; a chunk
 * is read from the log in slices, and read again whole when its transaction runs again.
 */
class ProcessorChunkTest {
  @TempDir Path dir;
  private final Calls calls = new Calls();
  private int users;
  private SqliteEventLog sqlite;
  private SqliteProfileStore store;

  @BeforeEach
  void open() throws Exception {
    sqlite =
        SqliteEventLog.open(
            dir.resolve("events.db"), Clock.systemUTC(), Duration.ofHours(24), 1_000_000);
    store = SqliteProfileStore.open(dir.resolve("profiles.db"));
  }

  @AfterEach
  void close() {
    store.close();
    sqlite.close();
  }

  @Test
  void drain_backlog_doublesTheChunkUpToEightTimes_thenStartsSmallAgain() throws Exception {
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

  @Test
  void drain_chunkLargerThanTheReadSlice_readsTheLogASliceAtATime() throws Exception {
    RecordingLog log = new RecordingLog(sqlite);
    append(sqlite, 250);
    try (Processor processor = new Processor(log, store, 100, 30)) {
      assertThat(processor.drain()).isEqualTo(250);
      // a chunk of 100 (its last slice 10), then one of 200 that finds 150 and the log's end
      assertThat(log.limits).containsExactly(30, 30, 30, 10, 30, 30, 30, 30, 30, 30);
      assertThat(processor.applied()).isEqualTo(250);
      assertThat(processor.checkpoint()).isEqualTo(250);
    }
    assertEveryUserHasAProfile(250);
  }

  @Test
  void drain_transactionRunAgain_readsItsChunkAgainFromTheStart() throws Exception {
    append(sqlite, 95);
    // as PostgreSQL's store does after a lock conflict: the first run is rolled back
    try (Processor processor = new Processor(sqlite, new RunsEachWriteTwice(store), 40, 15)) {
      assertThat(processor.drain()).isEqualTo(95);
      assertThat(processor.applied()).isEqualTo(95);
      assertThat(processor.alreadyApplied()).isZero();
    }
    assertThat(store.checkpoint()).isEqualTo(95);
    assertEveryUserHasAProfile(95);
  }

  private void assertEveryUserHasAProfile(int users) {
    for (int i = 0; i < users; i++) {
      assertThat(store.find(ExternalId.of(IdKind.USER_ID, "u" + i))).as("u" + i).isPresent();
    }
  }

  private void append(EventLog log, int n) throws Exception {
    List<LogEntry> entries = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      entries.add(calls.entry("{'type':'identify','userId':'u" + users++ + "'}"));
    }
    log.append(entries).get(10, TimeUnit.SECONDS);
  }

  /** A store whose every transaction runs twice: the first time to be rolled back. */
  private static final class RunsEachWriteTwice implements ProfileStore {
    private final ProfileStore store;

    RunsEachWriteTwice(ProfileStore store) {
      this.store = store;
    }

    @Override
    public <T> T write(Function<ProfileWriter, T> work) {
      try {
        store.write(
            writer -> {
              work.apply(writer);
              throw new RolledBack();
            });
      } catch (RolledBack expected) {
        // run again, as after a conflict
      }
      return store.write(work);
    }

    @Override
    public long checkpoint() {
      return store.checkpoint();
    }

    @Override
    public Optional<Profile> find(ExternalId id) {
      return store.find(id);
    }

    @Override
    public EventPage events(ExternalId id, String cursor, int limit) {
      return store.events(id, cursor, limit);
    }

    @Override
    public List<ExternalId> delete(ExternalId id, boolean suppress) {
      return store.delete(id, suppress);
    }

    @Override
    public boolean isSuppressed(ExternalId id) {
      return store.isSuppressed(id);
    }

    @Override
    public void close() {}

    private static final class RolledBack extends RuntimeException {
      private static final long serialVersionUID = 1L;
    }
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
