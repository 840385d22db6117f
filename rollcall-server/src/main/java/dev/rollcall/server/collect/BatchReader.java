package dev.rollcall.server.collect;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.internal.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a batch body in one pass, noting the size in bytes of each message as it was sent, so that
 * a message over the 32 KB limit can be rejected alone while the rest of the batch is kept. Public
 * for {@code rollcall normalize}, which reads a batch as the collector does.
 */
public final class BatchReader {
  private BatchReader() {}

  /** A batch envelope and the raw place and size of each of its messages, in order. */
  static final class ReadBatch {
    final ObjectNode envelope;
    final List<Integer> starts;
    final List<Integer> sizes;

    ReadBatch(ObjectNode envelope, List<Integer> starts, List<Integer> sizes) {
      this.envelope = envelope;
      this.starts = starts;
      this.sizes = sizes;
    }
  }

  /**
   * @throws IOException when the body is not one JSON object
   */
  static ReadBatch read(byte[] body) throws IOException {
    Json.checkUtf8(body);
    try (JsonParser parser = Json.MAPPER.createParser(body)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw new NotAnObjectException();
      }
      ObjectNode envelope = Json.object();
      List<Integer> starts = new ArrayList<>();
      List<Integer> sizes = new ArrayList<>();
      boolean batchSeen = false;
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        JsonToken value = parser.nextToken();
        if (name.equals("batch")) {
          if (batchSeen) {
            throw new TwoBatchesException();
          }
          batchSeen = true;
        }
        if (name.equals("batch") && value == JsonToken.START_ARRAY) {
          ArrayNode batch = envelope.putArray("batch");
          while (parser.nextToken() != JsonToken.END_ARRAY) {
            long start = parser.currentTokenLocation().getByteOffset();
            JsonNode item = Json.readTree(parser);
            long end = parser.currentLocation().getByteOffset();
            batch.add(item);
            starts.add((int) start);
            sizes.add((int) (end - start));
          }
        } else {
          envelope.set(name, Json.readTree(parser));
        }
      }
      if (parser.nextToken() != null) {
        throw new NotAnObjectException();
      }
      return new ReadBatch(envelope, starts, sizes);
    }
  }

  /**
   * The batch envelope of {@code body}, read as {@link #read} reads it.
   *
   * @throws TwoBatchesException when the body has the field {@code batch} more than once
   * @throws IOException when the body is not one JSON object
   */
  public static ObjectNode readEnvelope(byte[] body) throws IOException {
    return read(body).envelope;
  }

  /**
   * The body has the field {@code batch} twice. JSON readers differ on which one counts (Jackson
   * keeps the last), so whichever was taken, the messages of the other would be dropped without a
   * word: the body is refused instead.
   */
  public static final class TwoBatchesException extends IOException {
    private static final long serialVersionUID = 1L;

    TwoBatchesException() {
      super("the body has the field batch more than once; send one batch array");
    }
  }

  /** The body is JSON, but not a single object. */
  static final class NotAnObjectException extends IOException {
    private static final long serialVersionUID = 1L;

    NotAnObjectException() {
      super("the body must be one JSON object");
    }
  }
}
