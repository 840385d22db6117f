package dev.rollcall.destination.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rollcall.MessageType;
import dev.rollcall.delivery.Delivery;
import dev.rollcall.delivery.DeliveryStatus;
import dev.rollcall.destination.Destinations;
import dev.rollcall.storage.LogEntry;
import dev.rollcall.storage.sqlite.SqliteDeliveryQueue;
import dev.rollcall.storage.sqlite.SqliteEventLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class DeliveryRouterTest {
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2024-01-02T03:04:05Z"), ZoneOffset.UTC);
  private static final String WEB = "src_web";

  @TempDir Path dir;
  private SqliteEventLog log;
  private SqliteDeliveryQueue queue;
  private final AtomicLong processed = new AtomicLong(Long.MAX_VALUE);

  @BeforeEach
  void open() throws Exception {
    log = SqliteEventLog.open(dir.resolve("events.db"), CLOCK, Duration.ofHours(1), 1_000);
    queue = SqliteDeliveryQueue.open(dir.resolve("deliveries.db"));
  }

  @AfterEach
  void close() {
    queue.close();
    log.close();
  }

  @Test
  void specExampleIntegrations_onlyMixpanelAndSalesforceOfEight() {
    append(
        WEB,
        "m1",
        MessageType.IDENTIFY,
        "{\"integrations\": {\"All\": false, \"Mixpanel\": true, \"Salesforce\": true}}");

    assertThat(router(allEight()).routeOnce()).isEqualTo(1);

    assertThat(queuedTo()).containsExactlyInAnyOrder("mixpanel:m1", "salesforce:m1");
    assertThat(queue.routedUpTo()).isEqualTo(1);
  }

  @Test
  void noIntegrations_everyDestination_andFalseExcludesOne() {
    append(WEB, "m1", MessageType.IDENTIFY, "{}");
    append(WEB, "m2", MessageType.IDENTIFY, "{\"integrations\": {\"MailChimp\": false}}");

    router(allEight()).routeOnce();

    List<String> queued = queuedTo();
    assertThat(queued.stream().filter(q -> q.endsWith(":m1"))).hasSize(8);
    assertThat(queued.stream().filter(q -> q.endsWith(":m2")))
        .hasSize(7)
        .doesNotContain("mailchimp:m2");
  }

  @Test
  void otherCallTypes_notQueued_butTheMarkMovesPastThem() {
    append(WEB, "t1", MessageType.TRACK, "{\"event\": \"Signed Up\"}");
    append(WEB, "m1", MessageType.IDENTIFY, "{}");

    assertThat(router(List.of(mixpanel(Set.of()))).routeOnce()).isEqualTo(2);

    assertThat(queuedTo()).containsExactly("mixpanel:m1");
    assertThat(queue.routedUpTo()).isEqualTo(2);
  }

  @Test
  void sourcesOfADestination_onlyTheirCallsGoThere() {
    append(WEB, "m1", MessageType.IDENTIFY, "{}");
    append("src_app", "m2", MessageType.IDENTIFY, "{}");

    router(List.of(mixpanel(Set.of("src_app")))).routeOnce();

    assertThat(queuedTo()).containsExactly("mixpanel:m2");
  }

  @Test
  void callsNotYetProcessed_waitForTheProcessor() {
    append(WEB, "m1", MessageType.IDENTIFY, "{}");
    append(WEB, "m2", MessageType.IDENTIFY, "{}");
    processed.set(1);
    DeliveryRouter router = router(List.of(mixpanel(Set.of())));

    assertThat(router.routeOnce()).isEqualTo(1);
    assertThat(router.routeOnce()).isZero();
    assertThat(queuedTo()).containsExactly("mixpanel:m1");

    processed.set(2);
    assertThat(router.routeOnce()).isEqualTo(1);
    assertThat(queuedTo()).containsExactlyInAnyOrder("mixpanel:m1", "mixpanel:m2");
  }

  @Test
  void reopened_continuesFromItsMark_withoutQueueingTwice() {
    append(WEB, "m1", MessageType.IDENTIFY, "{}");
    router(List.of(mixpanel(Set.of()))).routeOnce();
    queue.close();
    queue = SqliteDeliveryQueue.open(dir.resolve("deliveries.db"));
    append(WEB, "m2", MessageType.IDENTIFY, "{}");

    assertThat(router(List.of(mixpanel(Set.of()))).routeOnce()).isEqualTo(1);

    assertThat(queuedTo()).containsExactlyInAnyOrder("mixpanel:m1", "mixpanel:m2");
  }

  @Test
  void queuedMessage_isTheStoredCallWithItsPerson() {
    append(WEB, "m1", MessageType.IDENTIFY, "{\"traits\": {\"email\": \"a@example.com\"}}");

    router(List.of(mixpanel(Set.of()))).routeOnce();

    Delivery delivery = queue.list("mixpanel", DeliveryStatus.PENDING, 10).get(0);
    assertThat(delivery.personKey()).isEqualTo("user-m1");
    assertThat(new String(delivery.message(), StandardCharsets.UTF_8)).contains("a@example.com");
    assertThat(delivery.nextAttemptAtMillis()).isEqualTo(CLOCK.millis());
  }

  private DeliveryRouter router(List<DestinationConfig> destinations) {
    return new DeliveryRouter(log, processed::get, queue, destinations, CLOCK);
  }

  private static List<DestinationConfig> allEight() {
    List<DestinationConfig> all = new ArrayList<>();
    Destinations.all().forEach(d -> all.add(DestinationConfig.of(d, Map.of())));
    assertThat(all).hasSize(8);
    return all;
  }

  private static DestinationConfig mixpanel(Set<String> sources) {
    return new DestinationConfig(
        "mixpanel", Destinations.find("mixpanel"), Map.of("token", "t"), sources);
  }

  private List<String> queuedTo() {
    List<String> queued = new ArrayList<>();
    for (DestinationConfig d : allEight()) {
      for (Delivery delivery : queue.list(d.name(), DeliveryStatus.PENDING, 100)) {
        queued.add(d.name() + ":" + delivery.messageId());
      }
    }
    return queued;
  }

  private void append(String source, String messageId, MessageType type, String fields) {
    String json =
        "{\"type\": \""
            + type.wireName()
            + "\", \"userId\": \"user-"
            + messageId
            + "\", \"messageId\": \""
            + messageId
            + "\""
            + (fields.equals("{}") ? "" : ", " + fields.substring(1, fields.length() - 1))
            + "}";
    log.append(
            List.of(
                new LogEntry(
                    -1,
                    source,
                    messageId,
                    "user-" + messageId,
                    type,
                    CLOCK.millis(),
                    json.getBytes(StandardCharsets.UTF_8))))
        .join();
  }
}
