package dev.rollcall.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rollcall.client.Identify;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

class BatchEncoderTest {
  private static final long SENT_AT = Instant.parse("2024-05-06T07:08:09.123Z").toEpochMilli();

  private static Entry entry(String json) {
    return new Entry(Identify.builder().userId("u").build(), json.getBytes(StandardCharsets.UTF_8));
  }

  private static String gunzip(byte[] body) throws Exception {
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void encode_plain_isTheEnvelopeAroundTheMessages() {
    try (BatchEncoder encoder = new BatchEncoder(false)) {
      byte[] body = encoder.encode(List.of(entry("{\"a\":1}"), entry("{\"b\":2}")), SENT_AT);

      assertThat(new String(body, StandardCharsets.UTF_8))
          .isEqualTo("{\"batch\":[{\"a\":1},{\"b\":2}],\"sentAt\":\"2024-05-06T07:08:09.123Z\"}");
    }
  }

  @Test
  void encode_sizeOfTheEnvelope_isWhatBatchCounts() {
    try (BatchEncoder encoder = new BatchEncoder(false)) {
      Batch batch = new Batch();
      batch.add(entry("{\"a\":1}"));
      batch.add(entry("{\"b\":22}"));

      assertThat(encoder.encode(batch.entries, SENT_AT)).hasSize(batch.bodyBytes);
    }
  }

  @Test
  void encode_gzip_isValidGzipOfThePlainBody_reusedAcrossBatches() throws Exception {
    Random random = new Random(7);
    try (BatchEncoder gzip = new BatchEncoder(true);
        BatchEncoder plain = new BatchEncoder(false)) {
      for (int round = 0; round < 20; round++) {
        List<Entry> entries = new ArrayList<>();
        int count = 1 + random.nextInt(400);
        for (int i = 0; i < count; i++) {
          byte[] noise = new byte[random.nextInt(300)];
          random.nextBytes(noise);
          entries.add(
              entry("{\"n\":\"" + java.util.Base64.getEncoder().encodeToString(noise) + "\"}"));
        }

        assertThat(gunzip(gzip.encode(entries, SENT_AT)))
            .isEqualTo(new String(plain.encode(entries, SENT_AT), StandardCharsets.UTF_8));
      }
    }
  }

  @Test
  void reply_readsRejectedMessagesAndError() {
    Reply reply =
        Reply.parse(
            ("{\"success\":true,\"extra\":{\"x\":[1,2]},\"rejected\":[{\"index\":2,\"error\":\"bad\","
                    + "\"path\":\"batch[2].userId\"},{\"index\":5,\"error\":\"worse\"}],\"error\":\"e\"}")
                .getBytes(StandardCharsets.UTF_8));

    assertThat(reply.rejected).isEqualTo(Map.of(2, "bad (batch[2].userId)", 5, "worse"));
    assertThat(reply.error).isEqualTo("e");
    assertThat(Reply.parseSuccess("{\"success\":true}".getBytes(StandardCharsets.UTF_8)))
        .isSameAs(Reply.EMPTY);
    assertThat(Reply.parse("Bad Gateway".getBytes(StandardCharsets.UTF_8)).error)
        .isEqualTo("Bad Gateway");
  }
}
