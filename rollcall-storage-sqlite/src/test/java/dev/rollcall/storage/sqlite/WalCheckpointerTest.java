package dev.rollcall.storage.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rollcall.MessageType;
import dev.rollcall.delivery.DeliveryQueue;
import dev.rollcall.profile.CallApplier;
import dev.rollcall.storage.AppendResult;
import dev.rollcall.storage.LogEntry;
import dev.rollcall.tests.Calls;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The WAL is copied by {@link WalCheckpointer} on its own thread, beside the commits; only the
 * writer, between two commits, can let SQLite start the WAL over. Under a load that never pauses,
 * without that hand-over the WAL would grow for as long as the load lasts.
 */
class WalCheckpointerTest {
  /** How long a load runs at most before the test gives up (s): a failsafe, not an assertion. */
  private static final long GIVE_UP_SECONDS = 60;

  @TempDir Path dir;

  @Test
  void eventLog_loadThatNeverLetsTheWriterIdle_walStillStartsOver() throws Exception {
    // Appends kept in flight all the time never leave the writer idle, its other chance to copy.
    try (SqliteEventLog log =
        SqliteEventLog.open(
            dir.resolve("events.db"), Clock.systemUTC(), Duration.ofHours(24), 10_000)) {
      ArrayDeque<CompletableFuture<AppendResult>> inFlight = new ArrayDeque<>();
      String padding = "x".repeat(1_000);
      int[] batches = {0};
      int restarts =
          restartsUnderLoad(
              dir.resolve("events.db-wal"),
              () -> {
                List<LogEntry> batch = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                  String id = batches[0] + "-" + i;
                  byte[] json =
                      ("{\"messageId\":\"" + id + "\",\"padding\":\"" + padding + "\"}")
                          .getBytes(StandardCharsets.UTF_8);
                  batch.add(new LogEntry(-1, "s", id, "p" + i, MessageType.IDENTIFY, 1L, json));
                }
                batches[0]++;
                inFlight.add(log.append(batch));
                if (inFlight.size() >= 4)
                  assertThat(inFlight.poll().join().appended()).isEqualTo(100);
                return 0;
              });
      inFlight.forEach(CompletableFuture::join);

      assertThat(restarts)
          .as("times the WAL started over under the load")
          .isGreaterThanOrEqualTo(2);
    }
  }

  @Test
  void profileStore_processorThatNeverPauses_walStillStartsOver() throws Exception {
    try (SqliteProfileStore store = SqliteProfileStore.open(dir.resolve("profiles.db"))) {
      Calls calls = new Calls();
      int[] people = {0};
      int restarts =
          restartsUnderLoad(
              dir.resolve("profiles.db-wal"),
              () ->
                  store.write(
                      writer -> {
                        for (int i = 0; i < 200; i++, people[0]++) {
                          CallApplier.apply(
                              writer,
                              calls.entry(
                                  "{'type':'identify','userId':'u"
                                      + people[0]
                                      + "','traits':{'email':'u"
                                      + people[0]
                                      + "@example.com','plan':'free'}}"));
                        }
                        return 0;
                      }));

      assertThat(restarts)
          .as("times the WAL started over under the load")
          .isGreaterThanOrEqualTo(2);
    }
  }

  @Test
  void deliveryQueue_routerThatNeverPauses_walStillStartsOver() throws Exception {
    try (SqliteDeliveryQueue queue = SqliteDeliveryQueue.open(dir.resolve("deliveries.db"))) {
      byte[] message =
          ("{\"padding\":\"" + "x".repeat(1_000) + "\"}").getBytes(StandardCharsets.UTF_8);
      int[] calls = {0};
      int restarts =
          restartsUnderLoad(
              dir.resolve("deliveries.db-wal"),
              () -> {
                List<DeliveryQueue.NewDelivery> deliveries = new ArrayList<>();
                for (int i = 0; i < 100; i++, calls[0]++) {
                  deliveries.add(
                      new DeliveryQueue.NewDelivery("webhook", "p" + i, "m" + calls[0], message));
                }
                queue.enqueue(deliveries, 1_000L, calls[0]);
                return 0;
              });

      assertThat(restarts)
          .as("times the WAL started over under the load")
          .isGreaterThanOrEqualTo(2);
    }
  }

  /** Runs {@code step} until the WAL has started over twice, or the failsafe; how many times. */
  private static int restartsUnderLoad(Path wal, IntSupplier step) throws IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(GIVE_UP_SECONDS);
    int first = -1;
    int restarts = 0;
    while (restarts < 2 && System.nanoTime() < deadline) {
      step.getAsInt();
      int sequence = checkpointSequence(wal);
      if (first < 0) first = sequence;
      restarts = sequence - first;
    }
    return restarts;
  }

  /** The WAL header's checkpoint sequence number: SQLite adds one each time the WAL starts over. */
  private static int checkpointSequence(Path wal) throws IOException {
    try (InputStream in = Files.newInputStream(wal)) {
      byte[] header = in.readNBytes(16);
      return header.length < 16 ? 0 : ByteBuffer.wrap(header, 12, 4).getInt();
    }
  }
}
