package dev.rollcall.client.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * What a response body says, read with Jackson's streaming parser: its {@code error} and, from a
 * Rollcall server, the messages of the batch it {@code rejected} ({@code {"success": true,
 * "rejected": [{"index": 3, "error": "...", "path": "batch[3].userId"}]}}), which are reported as
 * failed while the others of the batch succeed. Segment's API answers {@code {"success": true}}.
 */
final class Reply {
  private static final JsonFactory FACTORY = new JsonFactory();

  /** {@code {"success":true}} and the like carry nothing else worth reading (bytes). */
  private static final int TRIVIAL_BYTES = 24;

  static final Reply EMPTY = new Reply(null, Map.of());

  /** The top-level {@code error}, or null. */
  final String error;

  /** Rejected messages: index in the batch to the server's reason. */
  final Map<Integer, String> rejected;

  private Reply(String error, Map<Integer, String> rejected) {
    this.error = error;
    this.rejected = rejected;
  }

  /** An error response's body. */
  static Reply parse(byte[] body) {
    return body == null || body.length == 0 ? EMPTY : lenient(body);
  }

  /** A 2xx response's body: short ones are not read. */
  static Reply parseSuccess(byte[] body) {
    return body == null || body.length <= TRIVIAL_BYTES ? EMPTY : lenient(body);
  }

  private static Reply lenient(byte[] body) {
    try (JsonParser parser = FACTORY.createParser(body)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return new Reply(excerpt(body), Map.of());
      }
      String error = null;
      Map<Integer, String> rejected = Map.of();
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        JsonToken value = parser.nextToken();
        if (name.equals("error") && value == JsonToken.VALUE_STRING) {
          error = parser.getText();
        } else if (name.equals("rejected") && value == JsonToken.START_ARRAY) {
          rejected = readRejected(parser);
        } else {
          parser.skipChildren();
        }
      }
      return new Reply(error, rejected);
    } catch (IOException e) {
      return new Reply(excerpt(body), Map.of());
    }
  }

  private static Map<Integer, String> readRejected(JsonParser parser) throws IOException {
    Map<Integer, String> rejected = new HashMap<>();
    while (parser.nextToken() == JsonToken.START_OBJECT) {
      int index = -1;
      String error = "rejected by the server";
      String path = null;
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        JsonToken value = parser.nextToken();
        if (name.equals("index") && value == JsonToken.VALUE_NUMBER_INT) {
          index = parser.getIntValue();
        } else if (name.equals("error") && value == JsonToken.VALUE_STRING) {
          error = parser.getText();
        } else if (name.equals("path") && value == JsonToken.VALUE_STRING) {
          path = parser.getText();
        } else {
          parser.skipChildren();
        }
      }
      if (index >= 0) {
        rejected.put(index, path == null || path.isEmpty() ? error : error + " (" + path + ")");
      }
    }
    return rejected;
  }

  /** The start of a body that is not JSON (a proxy's HTML page, plain text). */
  private static String excerpt(byte[] body) {
    String text = new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8).trim();
    return text.isEmpty() ? null : text;
  }
}
