package dev.rollcall.server.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rollcall.MessageType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CallFeedTest {
  private static FeedEntry.Builder call(String messageId) {
    return FeedEntry.builder()
        .endpoint("identify")
        .message(
            MessageType.IDENTIFY,
            "u1",
            null,
            messageId,
            ("{\"messageId\":\"" + messageId + "\"}").getBytes(StandardCharsets.UTF_8));
  }

  private static List<String> ids(CallFeed.Page page) {
    List<String> ids = new ArrayList<>();
    page.entries().forEach(entry -> ids.add(entry.messageId()));
    return ids;
  }

  @Test
  void since_returnsEntriesAfterCursor_oldestFirst() {
    CallFeed feed = new CallFeed(10);
    feed.publish(call("m1"));
    feed.publish(call("m2"));
    feed.publish(call("m3"));

    CallFeed.Page page = feed.since(1, 100);

    assertThat(ids(page)).containsExactly("m2", "m3");
    assertThat(page.missed()).isZero();
    assertThat(page.cursor()).isEqualTo(3);
    assertThat(feed.since(3, 100).entries()).isEmpty();
  }

  @Test
  void forget_blanksThePeoplesEntries_byUserIdOrAnonymousId_andKeepsTheirPlaces() {
    CallFeed feed = new CallFeed(10);
    feed.publish(call("m1"));
    feed.publish(
        FeedEntry.builder()
            .endpoint("identify")
            .message(
                MessageType.IDENTIFY, null, "a1", "m2", "{}".getBytes(StandardCharsets.UTF_8)));
    feed.publish(
        FeedEntry.builder()
            .endpoint("identify")
            .message(
                MessageType.IDENTIFY, "u2", "a2", "m3", "{}".getBytes(StandardCharsets.UTF_8)));

    feed.forget(List.of("u1", "a1"));

    List<FeedEntry> entries = feed.since(0, 100).entries();
    assertThat(entries).extracting(FeedEntry::seq).containsExactly(1L, 2L, 3L);
    assertThat(entries.subList(0, 2))
        .allSatisfy(
            entry -> {
              assertThat(entry.status()).isEqualTo("deleted");
              assertThat(entry.userId()).isNull();
              assertThat(entry.anonymousId()).isNull();
              assertThat(entry.messageId()).isNull();
              assertThat(entry.raw()).isNull();
              assertThat(entry.normalized()).isNull();
            });
    assertThat(entries.get(2).messageId()).isEqualTo("m3");
    assertThat(entries.get(2).status()).isEqualTo("accepted");
  }

  @Test
  void publish_pastCapacity_keepsOnlyTheNewest_andCountsWhatWasMissed() {
    CallFeed feed = new CallFeed(4);
    for (int i = 1; i <= 10; i++) feed.publish(call("m" + i));

    CallFeed.Page page = feed.since(0, 100);

    assertThat(ids(page)).containsExactly("m7", "m8", "m9", "m10");
    assertThat(page.missed()).isEqualTo(6);
    assertThat(feed.total()).isEqualTo(10);
  }

  @Test
  void since_withLimit_givesTheNewest_andCountsTheRestAsMissed() {
    CallFeed feed = new CallFeed(10);
    for (int i = 1; i <= 5; i++) feed.publish(call("m" + i));

    CallFeed.Page page = feed.since(0, 2);

    assertThat(ids(page)).containsExactly("m4", "m5");
    assertThat(page.missed()).isEqualTo(3);
  }

  @Test
  void rejected_areCountedApart() {
    CallFeed feed = new CallFeed(4);
    feed.publish(call("m1"));
    feed.publish(
        FeedEntry.builder()
            .endpoint("identify")
            .rejected("userId or anonymousId is required", "", 400));

    assertThat(feed.total()).isEqualTo(2);
    assertThat(feed.rejectedTotal()).isEqualTo(1);
    assertThat(feed.since(1, 10).entries().get(0).rejected()).isTrue();
  }

  @Test
  void capacity_mustBePositive() {
    assertThatThrownBy(() -> new CallFeed(0)).hasMessage("capacity <= 0: 0");
  }

  @Test
  void concurrentWriters_readerSeesEveryEntryOnce_orCountsItMissed() throws Exception {
    CallFeed feed = new CallFeed(64);
    int writers = 4;
    int perWriter = 5_000;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    CountDownLatch start = new CountDownLatch(1);
    for (int w = 0; w < writers; w++) {
      int writer = w;
      pool.execute(
          () -> {
            try {
              start.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            for (int i = 0; i < perWriter; i++) feed.publish(call(writer + "-" + i));
          });
    }
    start.countDown();
    long cursor = 0;
    long seen = 0;
    long missed = 0;
    long lastSeq = 0;
    pool.shutdown();
    while (!pool.isTerminated() || cursor < feed.last()) {
      CallFeed.Page page = feed.since(cursor, 64);
      for (FeedEntry entry : page.entries()) {
        assertThat(entry.seq()).isGreaterThan(lastSeq);
        lastSeq = entry.seq();
      }
      seen += page.entries().size();
      missed += page.missed();
      cursor = page.cursor();
      pool.awaitTermination(1, TimeUnit.MILLISECONDS);
    }

    assertThat(seen + missed).isEqualTo((long) writers * perWriter);
  }
}
