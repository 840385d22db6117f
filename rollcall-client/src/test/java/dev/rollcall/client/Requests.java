package dev.rollcall.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;

/** Reading what the client sent, and answering it. */
final class Requests {
  static final ObjectMapper MAPPER = new ObjectMapper();
  static final long TAKE_SECONDS = 20;

  private Requests() {}

  static MockResponse ok() {
    return new MockResponse.Builder()
        .code(200)
        .setHeader("Content-Type", "application/json")
        .body("{\"success\":true}")
        .build();
  }

  static MockResponse status(int code) {
    return new MockResponse.Builder().code(code).body("{\"success\":false}").build();
  }

  /** Answers every request with 200 {"success":true}. */
  static Dispatcher alwaysOk() {
    return new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return ok();
      }
    };
  }

  /** Answers 200 once {@code release} is counted down: requests are held until then. */
  static Dispatcher okAfter(CountDownLatch release) {
    return new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
        release.await(TAKE_SECONDS, TimeUnit.SECONDS);
        return ok();
      }
    };
  }

  /** The next request, within a generous deadline; fails the test when none comes. */
  static RecordedRequest take(MockWebServer server) throws InterruptedException {
    RecordedRequest request = server.takeRequest(TAKE_SECONDS, TimeUnit.SECONDS);
    if (request == null) {
      throw new AssertionError("no request within " + TAKE_SECONDS + " s");
    }
    return request;
  }

  /** The body as sent, decompressed when it is gzip. */
  static byte[] rawBody(RecordedRequest request) {
    byte[] body = request.getBody().toByteArray();
    if (!"gzip".equals(request.getHeaders().get("Content-Encoding"))) {
      return body;
    }
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonNode json(RecordedRequest request) {
    try {
      return MAPPER.readTree(rawBody(request));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The messages of a batch request. */
  static List<JsonNode> messages(RecordedRequest request) {
    List<JsonNode> messages = new ArrayList<>();
    json(request).get("batch").forEach(messages::add);
    return messages;
  }

  static JsonNode tree(Object value) {
    return MAPPER.valueToTree(value);
  }

  static Map<String, Object> traits(int i) {
    return Map.of("name", "User " + i, "email", "user" + i + "@example.com", "logins", i);
  }
}
