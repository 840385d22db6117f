package dev.rollcall.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Builders check their arguments at once, and the message quotes what failed. */
class BuildersTest {

  /* ---- the client ---- */

  @Test
  void builder_nullWriteKey_throwsQuotingIt() {
    assertThatThrownBy(() -> Rollcall.builder(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("writeKey == null");
  }

  @Test
  void builder_blankWriteKey_throws() {
    assertThatThrownBy(() -> Rollcall.builder("  "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("writeKey is blank");
  }

  @Test
  void builder_badOptions_throwNamingTheOptionAndValue() {
    Rollcall.Builder builder = Rollcall.builder("key");
    assertThatThrownBy(() -> builder.flushAt(0)).hasMessage("flushAt <= 0: 0");
    assertThatThrownBy(() -> builder.flushInterval(Duration.ZERO))
        .hasMessage("flushInterval <= 0: PT0S");
    assertThatThrownBy(() -> builder.maxQueueSize(-1)).hasMessage("maxQueueSize <= 0: -1");
    assertThatThrownBy(() -> builder.maxInFlight(0)).hasMessage("maxInFlight <= 0: 0");
    assertThatThrownBy(() -> builder.maxRetries(-1)).hasMessage("maxRetries < 0: -1");
    assertThatThrownBy(() -> builder.retryBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .hasMessage("max < first: PT1S < PT2S");
    assertThatThrownBy(() -> builder.maxTotalBackoff(Duration.ofSeconds(-1)))
        .hasMessage("maxTotalBackoff < 0: PT-1S");
    assertThatThrownBy(() -> builder.requestTimeout(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("requestTimeout == null");
    assertThatThrownBy(() -> builder.closeTimeout(Duration.ofMillis(-5)))
        .hasMessage("closeTimeout < 0: PT-0.005S");
    assertThatThrownBy(() -> builder.callback(null)).hasMessage("callback == null");
    assertThatThrownBy(() -> builder.clock(null)).hasMessage("clock == null");
  }

  @Test
  void endpoint_notHttp_throws() {
    assertThatThrownBy(() -> Rollcall.builder("key").endpoint(URI.create("ftp://example.com")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("endpoint is not http or https: ftp://example.com");
    assertThatThrownBy(() -> Rollcall.builder("key").endpoint(URI.create("http:/path")))
        .hasMessage("endpoint has no host: http:/path");
  }

  @Test
  void identify_shortcut_checksItsArguments() {
    try (Rollcall rollcall = Rollcall.builder("key").callback(Callback.NONE).build()) {
      assertThatThrownBy(() -> rollcall.identify(null, Map.of())).hasMessage("userId == null");
      assertThatThrownBy(() -> rollcall.identify("u1", null)).hasMessage("traits == null");
      assertThatThrownBy(() -> rollcall.track("u1", "", Map.of())).hasMessage("event is blank");
      assertThatThrownBy(() -> rollcall.enqueue(null)).hasMessage("message == null");
    }
  }

  /* ---- messages ---- */

  @Test
  void identify_withoutUserOrAnonymousId_throws() {
    assertThatThrownBy(() -> Identify.builder().traits(Map.of()).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("userId == null && anonymousId == null: identify needs one of them");
  }

  @Test
  void identify_withAnonymousIdOnly_builds() {
    Identify identify = Identify.builder().anonymousId("a1").build();

    assertThat(identify.anonymousId()).isEqualTo("a1");
    assertThat(identify.userId()).isNull();
    assertThat(identify.traits()).isNull();
    assertThat(identify.messageId()).as("assigned when enqueued").isNull();
    assertThat(identify.type()).isEqualTo("identify");
  }

  @Test
  void messageId_over100Characters_throws() {
    assertThatThrownBy(() -> Identify.builder().messageId("x".repeat(101)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("messageId.length() > 100: 101");
  }

  @Test
  void setters_rejectNullAndBlank() {
    assertThatThrownBy(() -> Identify.builder().userId(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("userId is blank");
    assertThatThrownBy(() -> Identify.builder().traits(null)).hasMessage("traits == null");
    assertThatThrownBy(() -> Identify.builder().timestamp(null)).hasMessage("timestamp == null");
    assertThatThrownBy(() -> Track.builder(null)).hasMessage("event == null");
    assertThatThrownBy(() -> Group.builder(" ")).hasMessage("groupId is blank");
    assertThatThrownBy(() -> Alias.builder("old").build())
        .hasMessage("userId == null: alias needs the new id");
  }

  @Test
  void accessors_returnWhatWasBuilt() {
    Instant at = Instant.parse("2024-01-02T03:04:05Z");
    Track track =
        Track.builder("Signed Up")
            .userId("u1")
            .properties(Map.of("plan", "pro"))
            .context(Map.of("ip", "198.51.100.4"))
            .integrations(Map.of("All", false))
            .timestamp(at)
            .messageId("m-1")
            .build();

    assertThat(track.event()).isEqualTo("Signed Up");
    assertThat(track.properties()).isEqualTo(Map.of("plan", "pro"));
    assertThat(track.context()).isEqualTo(Map.of("ip", "198.51.100.4"));
    assertThat(track.integrations()).isEqualTo(Map.of("All", false));
    assertThat(track.timestamp()).isEqualTo(at);
    assertThat(track.messageId()).isEqualTo("m-1");
    assertThat(track.toString()).isEqualTo("Track{messageId=m-1, userId=u1}");
    assertThat(Group.builder("g1").anonymousId("a1").build().groupId()).isEqualTo("g1");
    assertThat(Alias.builder("old").userId("new").build().previousId()).isEqualTo("old");
  }
}
