package dev.rollcall.log.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rollcall.MessageType;
import dev.rollcall.storage.AppendResult;
import dev.rollcall.storage.LogEntry;
import dev.rollcall.storage.StoreUnavailableException;
import dev.rollcall.testing.EmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The log on a real Kafka broker in this JVM, a new topic for each test. */
class KafkaEventLogTest {
  private static final AtomicInteger TOPICS = new AtomicInteger();
  private static EmbeddedKafka kafka;
  private KafkaEventLog log;

  @BeforeAll
  static void startKafka() {
    kafka = EmbeddedKafka.shared();
  }

  @AfterEach
  void closeLog() {
    if (log != null) log.close();
  }

  private KafkaSettings.Builder settings(int partitions) {
    return KafkaSettings.builder(kafka.bootstrapServers())
        .topic("log-test-" + TOPICS.incrementAndGet())
        .partitions(partitions);
  }

  private static LogEntry entry(String messageId, String person, long receivedAt) {
    byte[] json =
        ("{\"type\":\"identify\",\"messageId\":\"" + messageId + "\"}")
            .getBytes(StandardCharsets.UTF_8);
    return new LogEntry(-1, "src_1", messageId, person, MessageType.IDENTIFY, receivedAt, json);
  }

  private static AppendResult await(CompletableFuture<AppendResult> future) throws Exception {
    return future.get(30, TimeUnit.SECONDS);
  }

  private static List<LogEntry> readAll(KafkaEventLog log) {
    List<LogEntry> all = new ArrayList<>();
    long after = 0;
    while (true) {
      List<LogEntry> page = log.read(after, 7);
      if (page.isEmpty()) return all;
      all.addAll(page);
      after = page.get(page.size() - 1).offset();
    }
  }

  @Test
  void open_createsTheTopicWithItsPartitions() throws Exception {
    KafkaSettings settings = settings(3).build();
    log = KafkaEventLog.open(settings);

    try (var admin = kafka.admin()) {
      var topic =
          admin
              .describeTopics(List.of(settings.topic()))
              .allTopicNames()
              .get()
              .get(settings.topic());
      assertThat(topic.partitions()).hasSize(3);
    }
  }

  @Test
  void append_completesWhenAcknowledged_andReadGivesEntriesBackWithTheirFields() throws Exception {
    log = KafkaEventLog.open(settings(1).build());

    AppendResult result =
        await(log.append(List.of(entry("m1", "p1", 1_000), entry("m2", "p2", 2_000))));

    assertThat(result.appended()).isEqualTo(2);
    assertThat(result.duplicates()).isZero();
    List<LogEntry> read = log.read(0, 10);
    assertThat(read).extracting(LogEntry::messageId).containsExactly("m1", "m2");
    LogEntry first = read.get(0);
    assertThat(first.sourceId()).isEqualTo("src_1");
    assertThat(first.personKey()).isEqualTo("p1");
    assertThat(first.type()).isEqualTo(MessageType.IDENTIFY);
    assertThat(first.receivedAtMillis()).isEqualTo(1_000);
    assertThat(new String(first.json(), StandardCharsets.UTF_8))
        .isEqualTo("{\"type\":\"identify\",\"messageId\":\"m1\"}");
    assertThat(log.read(first.offset(), 10)).extracting(LogEntry::messageId).containsExactly("m2");
    assertThat(log.read(read.get(1).offset(), 10)).isEmpty();
    assertThat(log.isWritable()).isTrue();
  }

  @Test
  void aPersonsCalls_stayInOnePartition_inOrder_andReadWalksEveryPartition() throws Exception {
    log = KafkaEventLog.open(settings(4).build());
    List<LogEntry> entries = new ArrayList<>();
    // received in 1970, as far in the past as imported calls can be: the topic's retention
    // (7 days by the record's time) must not delete them
    for (int i = 0; i < 60; i++) entries.add(entry("m" + i, "person" + (i % 6), i));
    // appended in several appends at once, as by concurrent requests
    List<CompletableFuture<AppendResult>> appends = new ArrayList<>();
    for (int i = 0; i < 60; i += 10) appends.add(log.append(entries.subList(i, i + 10)));
    for (CompletableFuture<AppendResult> append : appends) await(append);

    List<LogEntry> read = readAll(log);

    assertThat(read).hasSize(60);
    Map<String, List<LogEntry>> byPerson =
        read.stream().collect(Collectors.groupingBy(LogEntry::personKey));
    assertThat(byPerson).hasSize(6);
    byPerson.forEach(
        (person, calls) -> {
          assertThat(calls.stream().map(e -> e.offset() >>> 47).distinct()).hasSize(1);
          assertThat(calls)
              .extracting(e -> Integer.parseInt(e.messageId().substring(1)))
              .isSorted();
        });
    assertThat(read.stream().map(e -> e.offset() >>> 47).distinct().count()).isGreaterThan(1);
  }

  @Test
  void withTheBrokerDown_appendsFailAsUnavailable_andSucceedAgainAfterItsRestart()
      throws Exception {
    try (EmbeddedKafka own = EmbeddedKafka.start()) {
      log =
          KafkaEventLog.open(
              KafkaSettings.builder(own.bootstrapServers())
                  .topic("outage")
                  .partitions(2)
                  .ackTimeout(Duration.ofSeconds(2))
                  .build());
      await(log.append(List.of(entry("before", "p", 1))));

      own.stop();
      CompletableFuture<AppendResult> during = log.append(List.of(entry("during", "p", 2)));

      assertThatThrownBy(() -> during.get(30, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(StoreUnavailableException.class)
          .hasMessageContaining("Kafka did not acknowledge");
      assertThat(((StoreUnavailableException) during.handle((r, e) -> e).get()).overloaded())
          .isFalse();
      assertThat(log.isWritable()).isFalse();

      own.restart();
      await(log.append(List.of(entry("after", "p", 3))));
      assertThat(log.isWritable()).isTrue();
      assertThat(readAll(log)).extracting(LogEntry::messageId).contains("before", "after");
      log.close();
      log = null;
    }
  }

  /**
   * A call imported from a backup was received long ago; the topic's retention (7 days by default,
   * by the records' time) must not take it for an old record and delete it before it is applied.
   */
  @Test
  void callsReceivedLongAgo_areKeptByRetention_andKeepTheirReceivedAt() throws Exception {
    try (EmbeddedKafka own =
        EmbeddedKafka.start(
            Map.of("log.retention.check.interval.ms", "200", "log.initial.task.delay.ms", "0"))) {
      log = KafkaEventLog.open(KafkaSettings.builder(own.bootstrapServers()).topic("old").build());
      long longAgo = 1_000; // 1970
      await(log.appendImported(List.of(entry("m1", "p", longAgo), entry("m2", "q", longAgo))));

      Thread.sleep(1_500); // several retention checks

      List<LogEntry> read = readAll(log);
      assertThat(read).extracting(LogEntry::messageId).containsExactlyInAnyOrder("m1", "m2");
      assertThat(read).extracting(LogEntry::receivedAtMillis).containsOnly(longAgo);
      log.close();
      log = null;
    }
  }

  @Test
  void tooManyCallsWaiting_appendFailsAtOnceAsOverloaded() throws Exception {
    log = KafkaEventLog.open(settings(1).maxPendingEntries(5).build());

    CompletableFuture<AppendResult> append =
        log.append(
            List.of(
                entry("m1", "p", 1),
                entry("m2", "p", 1),
                entry("m3", "p", 1),
                entry("m4", "p", 1),
                entry("m5", "p", 1),
                entry("m6", "p", 1)));

    assertThat(append).isCompletedExceptionally();
    Throwable failure = append.handle((r, e) -> e).get();
    assertThat(failure).isInstanceOf(StoreUnavailableException.class);
    assertThat(((StoreUnavailableException) failure).overloaded()).isTrue();
    assertThat(log.pendingEntries()).isZero();
  }
}
