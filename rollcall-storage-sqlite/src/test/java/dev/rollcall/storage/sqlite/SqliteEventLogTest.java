package dev.rollcall.storage.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rollcall.MessageType;
import dev.rollcall.storage.AppendResult;
import dev.rollcall.storage.LogEntry;
import dev.rollcall.storage.StoreUnavailableException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteEventLogTest {
  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(Instant.parse("2015-02-23T22:28:55.387Z"));
  private SqliteEventLog log;

  @AfterEach
  void close() {
    if (log != null) log.close();
  }

  private SqliteEventLog open() throws Exception {
    log = SqliteEventLog.open(dir.resolve("events.db"), clock, Duration.ofHours(24), 1_000);
    return log;
  }

  private static LogEntry entry(String source, String messageId, String person) {
    byte[] json = ("{\"messageId\":\"" + messageId + "\"}").getBytes(StandardCharsets.UTF_8);
    return new LogEntry(-1, source, messageId, person, MessageType.IDENTIFY, 1_000L, json);
  }

  private static AppendResult await(CompletableFuture<AppendResult> future) throws Exception {
    return future.get(10, TimeUnit.SECONDS);
  }

  @Test
  void append_thenRead_returnsEntriesInOrderWithOffsets() throws Exception {
    open();
    AppendResult result = await(log.append(List.of(entry("s", "m1", "p"), entry("s", "m2", "p"))));
    await(log.append(List.of(entry("s", "m3", "q"))));

    assertThat(result.appended()).isEqualTo(2);
    List<LogEntry> read = log.read(0, 10);
    assertThat(read).extracting(LogEntry::messageId).containsExactly("m1", "m2", "m3");
    assertThat(read).extracting(LogEntry::offset).containsExactly(1L, 2L, 3L);
    assertThat(read.get(2).personKey()).isEqualTo("q");
    assertThat(new String(read.get(0).json(), StandardCharsets.UTF_8))
        .isEqualTo("{\"messageId\":\"m1\"}");
  }

  @Test
  void read_afterOffsetWithLimit_pages() throws Exception {
    open();
    List<LogEntry> entries = new ArrayList<>();
    for (int i = 0; i < 10; i++) entries.add(entry("s", "m" + i, "p"));
    await(log.append(entries));

    assertThat(log.read(3, 4))
        .extracting(LogEntry::messageId)
        .containsExactly("m3", "m4", "m5", "m6");
    assertThat(log.read(10, 4)).isEmpty();
  }

  @Test
  void append_sameMessageIdSameSource_isStoredOnce() throws Exception {
    open();
    await(log.append(List.of(entry("s", "m1", "p"))));
    AppendResult again = await(log.append(List.of(entry("s", "m1", "p"), entry("s", "m2", "p"))));

    assertThat(again.appended()).isEqualTo(1);
    assertThat(again.duplicates()).isEqualTo(1);
    assertThat(log.read(0, 10)).extracting(LogEntry::messageId).containsExactly("m1", "m2");
  }

  @Test
  void append_duplicateWithinOneAppend_isStoredOnce() throws Exception {
    open();
    AppendResult result = await(log.append(List.of(entry("s", "m1", "p"), entry("s", "m1", "p"))));

    assertThat(result.appended()).isEqualTo(1);
    assertThat(result.duplicates()).isEqualTo(1);
  }

  @Test
  void append_sameMessageIdOtherSource_isStoredAgain() throws Exception {
    open();
    await(log.append(List.of(entry("a", "m1", "p"))));
    AppendResult other = await(log.append(List.of(entry("b", "m1", "p"))));

    assertThat(other.appended()).isEqualTo(1);
  }

  @Test
  void append_sameMessageIdAfterWindow_isStoredAgain() throws Exception {
    open();
    await(log.append(List.of(entry("s", "m1", "p"))));
    clock.advance(Duration.ofHours(25));
    AppendResult later = await(log.append(List.of(entry("s", "m1", "p"))));

    assertThat(later.appended()).isEqualTo(1);
    assertThat(log.read(0, 10)).hasSize(2);
  }

  @Test
  void append_sameMessageIdJustInsideWindow_isDuplicate() throws Exception {
    open();
    await(log.append(List.of(entry("s", "m1", "p"))));
    clock.advance(Duration.ofHours(23));
    AppendResult later = await(log.append(List.of(entry("s", "m1", "p"))));

    assertThat(later.duplicates()).isEqualTo(1);
  }

  @Test
  void entries_surviveReopen() throws Exception {
    open();
    await(log.append(List.of(entry("s", "m1", "p"))));
    log.close();
    open();

    assertThat(log.read(0, 10)).extracting(LogEntry::messageId).containsExactly("m1");
    assertThat(await(log.append(List.of(entry("s", "m1", "p")))).duplicates()).isEqualTo(1);
  }

  @Test
  void append_beyondDedupMaxCalls_forgetsTheOldest() throws Exception {
    log = SqliteEventLog.open(dir.resolve("events.db"), clock, Duration.ofHours(24), 1_000, 3);
    for (int i = 1; i <= 4; i++) await(log.append(List.of(entry("s", "m" + i, "p"))));

    assertThat(await(log.append(List.of(entry("s", "m4", "p")))).duplicates()).isEqualTo(1);
    assertThat(await(log.append(List.of(entry("s", "m1", "p")))).appended()).isEqualTo(1);
  }

  @Test
  void reopen_loadsOnlyCallsInsideTheWindow() throws Exception {
    open();
    await(log.append(List.of(entry("s", "old", "p"))));
    clock.advance(Duration.ofHours(20));
    await(log.append(List.of(entry("s", "new", "p"))));
    clock.advance(Duration.ofHours(5));
    log.close();
    open();

    assertThat(await(log.append(List.of(entry("s", "new", "p")))).duplicates()).isEqualTo(1);
    assertThat(await(log.append(List.of(entry("s", "old", "p")))).appended()).isEqualTo(1);
  }

  @Test
  void deletePeople_deletesTheirCallsOnly() throws Exception {
    open();
    await(log.append(List.of(entry("s", "m1", "alice"), entry("s", "m2", "bob"))));
    await(log.append(List.of(entry("s", "m3", "alice-anon"), entry("s", "m4", "carol"))));

    int deleted = log.deletePeople(List.of("alice", "alice-anon"));

    assertThat(deleted).isEqualTo(2);
    assertThat(log.read(0, 10)).extracting(LogEntry::messageId).containsExactly("m2", "m4");
    assertThat(log.deletePeople(List.of("nobody"))).isZero();
  }

  @Test
  void deleteEntries_deletesThoseCallsOnly_byOffsetAndPerson() throws Exception {
    open();
    await(log.append(List.of(entry("s", "m1", "alice"), entry("s", "m2", "alice"))));
    await(log.append(List.of(entry("s", "m3", "bob"))));
    List<LogEntry> read = log.read(0, 10);

    int deleted = log.deleteEntries(List.of(read.get(1), read.get(2)));

    assertThat(deleted).isEqualTo(2);
    assertThat(log.read(0, 10)).extracting(LogEntry::messageId).containsExactly("m1");
    assertThat(log.deleteEntries(List.of(read.get(1)))).as("gone already").isZero();
    LogEntry otherPerson =
        new LogEntry(
            read.get(0).offset(), "s", "m1", "mallory", MessageType.IDENTIFY, 1L, new byte[0]);
    assertThat(log.deleteEntries(List.of(otherPerson))).as("not that person's call").isZero();
  }

  @Test
  void deletePeople_aDeletedCallSentAgain_isStoredAgain() throws Exception {
    open();
    await(log.append(List.of(entry("s", "m1", "alice"))));
    log.deletePeople(List.of("alice"));

    assertThat(await(log.append(List.of(entry("s", "m1", "alice")))).appended()).isEqualTo(1);
  }

  /**
   * A log written before the calls' keys were kept (schema version 2: a dedup table and a person
   * index): opening it keys the calls it holds, so they are still de-duplicated and deletable.
   */
  @Test
  void open_logOfTheOldSchema_keysItsCalls() throws Exception {
    Path file = dir.resolve("events.db");
    try (java.sql.Connection old = SqliteFiles.connect(file)) {
      SqliteFiles.migrate(old, EventLogSchema.MIGRATIONS.subList(0, 2));
      old.setAutoCommit(false);
      try (java.sql.Statement statement = old.createStatement()) {
        for (int i = 1; i <= 25_000; i++) {
          statement.addBatch(
              "INSERT INTO events (source, message_id, person_key, type, received_at, body)"
                  + " VALUES ('s', 'm"
                  + i
                  + "', 'p"
                  + (i % 7)
                  + "', 'identify', "
                  + clock.millis()
                  + ", x'7b7d')");
        }
        statement.executeBatch();
      }
      old.commit();
    }
    open();

    assertThat(await(log.append(List.of(entry("s", "m1", "p1")))).duplicates()).isEqualTo(1);
    assertThat(await(log.append(List.of(entry("s", "m25000", "p1")))).duplicates()).isEqualTo(1);
    AppendResult fresh = await(log.append(List.of(entry("s", "m25001", "p1"))));
    assertThat(fresh.appended()).isEqualTo(1);
    assertThat(log.deletePeople(List.of("p3"))).isEqualTo(3_572);
    assertThat(log.read(25_000, 10)).extracting(LogEntry::messageId).containsExactly("m25001");
  }

  @Test
  void append_beyondPendingLimit_failsAsOverloaded() throws Exception {
    log = SqliteEventLog.open(dir.resolve("events.db"), clock, Duration.ofHours(24), 5);
    List<LogEntry> six = new ArrayList<>();
    for (int i = 0; i < 6; i++) six.add(entry("s", "m" + i, "p"));

    assertThatThrownBy(() -> log.append(six).get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(StoreUnavailableException.class)
        .hasMessageContaining("more than 5 calls")
        .matches(e -> ((StoreUnavailableException) e).overloaded());
    assertThat(log.read(0, 10)).isEmpty();
  }

  @Test
  void append_afterClose_fails() throws Exception {
    open();
    log.close();

    assertThatThrownBy(() -> log.append(List.of(entry("s", "m1", "p"))).get(10, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(StoreUnavailableException.class);
    assertThat(log.isWritable()).isFalse();
  }

  @Test
  void append_manyConcurrentCallers_allCompleteAndShareCommits() throws Exception {
    open();
    List<Long> commits = new ArrayList<>();
    log.addCommitListener(
        (entries, nanos) -> {
          synchronized (commits) {
            commits.add((long) entries);
          }
        });
    List<CompletableFuture<AppendResult>> futures = new ArrayList<>();
    for (int i = 0; i < 200; i++) futures.add(log.append(List.of(entry("s", "m" + i, "p"))));
    for (CompletableFuture<AppendResult> f : futures) assertThat(await(f).appended()).isEqualTo(1);

    assertThat(log.read(0, 1_000)).hasSize(200);
    synchronized (commits) {
      assertThat(commits.stream().mapToLong(Long::longValue).sum()).isEqualTo(200);
      assertThat(commits.size()).as("group commit: fewer commits than appends").isLessThan(200);
    }
  }

  /** A clock the test moves by hand. */
  static final class MutableClock extends Clock {
    private volatile Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    void advance(Duration duration) {
      now = now.plus(duration);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
