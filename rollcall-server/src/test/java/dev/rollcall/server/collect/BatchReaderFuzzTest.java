package dev.rollcall.server.collect;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rollcall.internal.Json;
import java.io.IOException;
import java.util.Arrays;

/**
 * Fuzzes {@link BatchReader#read}, the collector's one-pass reading of a batch body, against {@link
 * Json#read} as the reference. For any bytes: only an {@link IOException} escapes, exactly when the
 * reference refuses the body or it is not an object; the envelope equals the reference's tree; and
 * there is one place and size per message of the batch, whose bytes are that message.
 */
class BatchReaderFuzzTest {
  @FuzzTest
  @DictionaryFile(resourcePath = "/dev/rollcall/server/collect/tracking.dict")
  void read(byte[] body) throws Exception {
    JsonNode reference;
    try {
      reference = Json.read(body);
    } catch (IOException e) {
      reference = null;
    }
    BatchReader.ReadBatch read;
    try {
      read = BatchReader.read(body);
    } catch (BatchReader.TwoBatchesException e) {
      // refused as soon as the second batch is seen, so also when the body goes on as no JSON
      // (a false alarm of the first version of this test, kept in its inputs)
      return;
    } catch (IOException e) {
      assertThat(reference == null || !reference.isObject())
          .as("refused, but the reference reads an object: %s", e.getMessage())
          .isTrue();
      return;
    }
    assertThat(reference).isNotNull();
    assertThat(Json.write(read.envelope)).isEqualTo(Json.write(reference));
    JsonNode batch = read.envelope.get("batch");
    int messages = batch != null && batch.isArray() ? batch.size() : 0;
    assertThat(read.starts).hasSize(messages);
    assertThat(read.sizes).hasSize(messages);
    for (int i = 0; i < messages; i++) {
      int start = read.starts.get(i);
      int end = start + read.sizes.get(i);
      assertThat(start).isNotNegative();
      assertThat(end).isLessThanOrEqualTo(body.length);
      JsonNode item = Json.read(Arrays.copyOfRange(body, start, end));
      assertThat(Json.write(item)).isEqualTo(Json.write(batch.get(i)));
    }
  }
}
