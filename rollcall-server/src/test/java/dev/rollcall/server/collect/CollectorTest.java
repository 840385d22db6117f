package dev.rollcall.server.collect;

import static dev.rollcall.server.collect.TrackingApi.OTHER_WRITE_KEY;
import static dev.rollcall.server.collect.TrackingApi.WRITE_KEY;
import static dev.rollcall.server.collect.TrackingApi.basic;
import static dev.rollcall.server.collect.TrackingApi.gzip;
import static dev.rollcall.server.collect.TrackingApi.json;
import static dev.rollcall.server.collect.TrackingApi.read;
import static dev.rollcall.server.collect.TrackingApi.unique;
import static dev.rollcall.server.collect.TrackingApi.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.MessageType;
import dev.rollcall.server.config.WriteKeys;
import dev.rollcall.storage.LogEntry;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The tracking API's happy paths, over real HTTP against a real server and its event log. */
class CollectorTest {
  private static final String SUCCESS = "{\"success\":true}";

  /** The complete identify example of Segment's spec (segment-docs spec/identify.md). */
  private static final String COMPLETE_EXAMPLE =
      """
      {
        "anonymousId": "507f191e810c19729de860ea",
        "channel": "browser",
        "context": {
          "ip": "",
          "userAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_5) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/40.0.2214.115 Safari/537.36"
        },
        "integrations": {
          "All": false,
          "Mixpanel": true,
          "Salesforce": true
        },
        "messageId": "022bb90c-bbac-11e4-8dfc-aa07a5b093db",
        "receivedAt": "2015-02-23T22:28:55.387Z",
        "sentAt": "2015-02-23T22:28:55.111Z",
        "timestamp": "2015-02-23T22:28:55.111Z",
        "traits": {
          "name": "Peter Gibbons",
          "email": "peter@initech.com",
          "plan": "premium",
          "logins": 5,
          "address": {
            "street": "6th St",
            "city": "San Francisco",
            "state": "CA",
            "postalCode": "94103",
            "country": "USA"
          }
        },
        "type": "identify",
        "userId": "97980cfea0067",
        "version": "1.1"
      }
      """;

  /**
   * The complete example as stored, without {@code receivedAt} and {@code timestamp}, which are
   * read from the server's clock: the empty {@code context.ip} is filled from the connection, the
   * client's timestamp is kept as {@code originalTimestamp}, and the names are split.
   */
  private static final String COMPLETE_EXAMPLE_STORED =
      """
      {
        "anonymousId": "507f191e810c19729de860ea",
        "channel": "browser",
        "context": {
          "ip": "127.0.0.1",
          "userAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_5) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/40.0.2214.115 Safari/537.36"
        },
        "integrations": {
          "All": false,
          "Mixpanel": true,
          "Salesforce": true
        },
        "messageId": "022bb90c-bbac-11e4-8dfc-aa07a5b093db",
        "sentAt": "2015-02-23T22:28:55.111Z",
        "originalTimestamp": "2015-02-23T22:28:55.111Z",
        "traits": {
          "name": "Peter Gibbons",
          "email": "peter@initech.com",
          "plan": "premium",
          "logins": 5,
          "address": {
            "street": "6th St",
            "city": "San Francisco",
            "state": "CA",
            "postalCode": "94103",
            "country": "USA"
          },
          "firstName": "Peter",
          "lastName": "Gibbons"
        },
        "type": "identify",
        "userId": "97980cfea0067",
        "version": "1.1"
      }
      """;

  @TempDir static Path dataDir;
  private static TrackingApi api;

  @BeforeAll
  static void start() throws Exception {
    api = TrackingApi.start(dataDir);
  }

  @AfterAll
  static void stop() {
    if (api != null) api.close();
  }

  /* ---- identify ---- */

  @Test
  void identify_completeExampleWithBasicAuth_isStoredNormalized() throws Exception {
    Instant before = Instant.now().minusMillis(1);

    HttpResponse<String> response = api.post("/v1/identify", COMPLETE_EXAMPLE);

    Instant after = Instant.now().plusMillis(1);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo(SUCCESS);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    List<LogEntry> entries = api.storedWithMessageId("022bb90c-bbac-11e4-8dfc-aa07a5b093db");
    assertThat(entries).hasSize(1);
    LogEntry entry = entries.get(0);
    assertThat(entry.type()).isEqualTo(MessageType.IDENTIFY);
    assertThat(entry.personKey()).isEqualTo("97980cfea0067");
    assertThat(entry.sourceId()).isEqualTo(WriteKeys.sourceIdOf(WRITE_KEY));
    ObjectNode stored = (ObjectNode) json(entry);
    Instant receivedAt = Instant.parse(stored.get("receivedAt").textValue());
    assertThat(receivedAt).as("receivedAt, from the server's clock").isBetween(before, after);
    assertThat(stored.get("timestamp").textValue())
        .as("sentAt equals the client's timestamp, so no skew: the call happened when received")
        .isEqualTo(stored.get("receivedAt").textValue());
    stored.remove(List.of("receivedAt", "timestamp"));
    assertThat(stored).isEqualTo(read(COMPLETE_EXAMPLE_STORED));
  }

  @Test
  void identify_snakeCaseTraits_areStoredInCamelCase() throws Exception {
    String userId = unique("snake");

    HttpResponse<String> response =
        api.post(
            "/v1/identify",
            "{\"userId\":\""
                + userId
                + "\",\"traits\":{\"first_name\":\"Peter\",\"last_name\":\"Gibbons\","
                + "\"created_at\":1424730535,\"address\":{\"postal_code\":\"94103\"}}}");

    assertThat(response.body()).isEqualTo(SUCCESS);
    assertThat(api.onlyMessageOf(userId).get("traits"))
        .isEqualTo(
            read(
                "{\"firstName\":\"Peter\",\"lastName\":\"Gibbons\",\"createdAt\":\"2015-02-23T22:28:55.000Z\","
                    + "\"address\":{\"postalCode\":\"94103\"},\"name\":\"Peter Gibbons\"}"));
  }

  @Test
  void identify_writeKeyInBody_isAcceptedAndNotStored() throws Exception {
    String userId = unique("body-key");

    HttpResponse<String> response =
        api.post(
            "/v1/identify",
            utf8(
                "{\"writeKey\":\""
                    + WRITE_KEY
                    + "\",\"userId\":\""
                    + userId
                    + "\",\"traits\":{\"plan\":\"pro\"}}"),
            "Content-Type",
            "application/json");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo(SUCCESS);
    List<LogEntry> entries = api.storedFor(userId);
    assertThat(entries).hasSize(1);
    assertThat(entries.get(0).sourceId()).isEqualTo(WriteKeys.sourceIdOf(WRITE_KEY));
    JsonNode stored = json(entries.get(0));
    assertThat(stored.has("writeKey")).as("writeKey kept in %s", stored).isFalse();
    assertThat(stored.get("traits")).isEqualTo(read("{\"plan\":\"pro\"}"));
  }

  @Test
  void batch_writeKeyInEnvelope_isAcceptedAndNotStored() throws Exception {
    String userId = unique("envelope-key");

    HttpResponse<String> response =
        api.post(
            "/v1/import/",
            utf8(
                "{\"writeKey\":\""
                    + OTHER_WRITE_KEY
                    + "\",\"batch\":[{\"type\":\"identify\",\"userId\":\""
                    + userId
                    + "\",\"writeKey\":\""
                    + OTHER_WRITE_KEY
                    + "\"}]}"),
            "Content-Type",
            "application/json");

    assertThat(response.body()).isEqualTo(SUCCESS);
    List<LogEntry> entries = api.storedFor(userId);
    assertThat(entries).hasSize(1);
    assertThat(entries.get(0).sourceId()).isEqualTo(WriteKeys.sourceIdOf(OTHER_WRITE_KEY));
    assertThat(json(entries.get(0)).has("writeKey")).isFalse();
  }

  /* ---- paths ---- */

  @ParameterizedTest(name = "{0} stores a {1}")
  @CsvSource({
    "/v1/identify, identify, ''",
    "/v1/i, identify, ''",
    "/v1/track, track, ',\"event\":\"Signed Up\"'",
    "/v1/t, track, ',\"event\":\"Signed Up\"'",
    "/v1/page, page, ',\"name\":\"Home\"'",
    "/v1/p, page, ''",
    "/v1/screen, screen, ',\"name\":\"Home\"'",
    "/v1/s, screen, ''",
    "/v1/group, group, ',\"groupId\":\"g1\"'",
    "/v1/g, group, ',\"groupId\":\"g1\"'",
    "/v1/alias, alias, ',\"previousId\":\"anon-1\"'",
    "/v1/a, alias, ',\"previousId\":\"anon-1\"'",
    "/v1/identify/, identify, ''",
  })
  void singleCallPath_storesACallOfItsType(String path, String type, String extra)
      throws Exception {
    String userId = unique("path");

    HttpResponse<String> response = api.post(path, "{\"userId\":\"" + userId + "\"" + extra + "}");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.body()).isEqualTo(SUCCESS);
    List<LogEntry> entries = api.storedFor(userId);
    assertThat(entries).hasSize(1);
    assertThat(entries.get(0).type().wireName()).isEqualTo(type);
    assertThat(json(entries.get(0)).get("type").textValue()).isEqualTo(type);
  }

  @ParameterizedTest
  @ValueSource(strings = {"/v1/batch", "/v1/b", "/v1/import", "/v1/import/", "//v1/import/"})
  void batchPath_storesEveryCallOfTheBatch(String path) throws Exception {
    String userId = unique("batch-path");

    HttpResponse<String> response =
        api.post(
            path,
            "{\"batch\":["
                + "{\"type\":\"identify\",\"userId\":\""
                + userId
                + "\",\"traits\":{\"plan\":\"pro\"}},"
                + "{\"type\":\"track\",\"userId\":\""
                + userId
                + "\",\"event\":\"Upgraded\"}]}");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.body()).isEqualTo(SUCCESS);
    assertThat(api.storedFor(userId))
        .extracting(LogEntry::type)
        .containsExactly(MessageType.IDENTIFY, MessageType.TRACK);
  }

  @Test
  void batch_everyCallType_isStoredWithItsType() throws Exception {
    String userId = unique("all-types");
    String u = "\"userId\":\"" + userId + "\"";

    HttpResponse<String> response =
        api.post(
            "/v1/batch",
            "{\"batch\":["
                + ("{\"type\":\"identify\"," + u + "},")
                + ("{\"type\":\"track\"," + u + ",\"event\":\"E\"},")
                + ("{\"type\":\"page\"," + u + "},")
                + ("{\"type\":\"screen\"," + u + "},")
                + ("{\"type\":\"group\"," + u + ",\"groupId\":\"g\"},")
                + ("{\"type\":\"alias\"," + u + ",\"previousId\":\"p\"}")
                + "]}");

    assertThat(response.body()).isEqualTo(SUCCESS);
    assertThat(api.storedFor(userId))
        .extracting(LogEntry::type)
        .containsExactly(
            MessageType.IDENTIFY,
            MessageType.TRACK,
            MessageType.PAGE,
            MessageType.SCREEN,
            MessageType.GROUP,
            MessageType.ALIAS);
  }

  /* ---- bodies ---- */

  @ParameterizedTest
  @ValueSource(
      strings = {
        "text/plain", // analytics.js, to avoid a CORS preflight
        "text/plain;charset=UTF-8",
        "application/json; charset=utf-8", // analytics-java
        "application/vnd.segment+json"
      })
  void contentType_thatSegmentClientsSend_isAccepted(String contentType) throws Exception {
    String userId = unique("content-type");

    HttpResponse<String> response =
        api.post(
            "/v1/t",
            utf8("{\"userId\":\"" + userId + "\",\"event\":\"Clicked\"}"),
            "Content-Type",
            contentType,
            "Authorization",
            basic(WRITE_KEY));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(api.storedFor(userId)).hasSize(1);
  }

  @Test
  void contentType_absent_isAccepted() throws Exception {
    String userId = unique("no-content-type");

    HttpResponse<String> response =
        api.post(
            "/v1/identify",
            utf8("{\"userId\":\"" + userId + "\"}"),
            "Authorization",
            basic(WRITE_KEY));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(api.storedFor(userId)).hasSize(1);
  }

  @Test
  void batch_chunkedBody_isStored() throws Exception {
    String userId = unique("chunked");

    HttpResponse<String> response =
        api.postChunked(
            "/v1/batch",
            utf8("{\"batch\":[{\"type\":\"identify\",\"userId\":\"" + userId + "\"}]}"));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(api.storedFor(userId)).hasSize(1);
  }

  @Test
  void identify_gzipBody_isInflatedAndStored() throws Exception {
    String userId = unique("gzip-one");

    HttpResponse<String> response =
        api.post(
            "/v1/identify",
            gzip(utf8("{\"userId\":\"" + userId + "\",\"traits\":{\"plan\":\"gzip\"}}")),
            "Content-Type",
            "application/json",
            "Content-Encoding",
            "gzip",
            "Authorization",
            basic(WRITE_KEY));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.body()).isEqualTo(SUCCESS);
    assertThat(api.onlyMessageOf(userId).get("traits")).isEqualTo(read("{\"plan\":\"gzip\"}"));
  }

  @Test
  void batch_gzipBody_isInflatedAndEveryMessageStored() throws Exception {
    String userId = unique("gzip-batch");
    StringBuilder batch = new StringBuilder("{\"batch\":[");
    for (int i = 0; i < 200; i++) {
      if (i > 0) batch.append(',');
      batch
          .append("{\"type\":\"track\",\"userId\":\"")
          .append(userId)
          .append("\",\"event\":\"Viewed\",\"properties\":{\"i\":")
          .append(i)
          .append(",\"padding\":\"")
          .append("x".repeat(1_000))
          .append("\"}}");
    }
    byte[] body = utf8(batch.append("]}").toString());
    byte[] gzipped = gzip(body);
    assertThat(body.length).isBetween(32 * 1024, 500 * 1024); // over one message, under a batch
    assertThat(gzipped.length).isLessThan(body.length / 10);

    HttpResponse<String> response =
        api.post(
            "/v1/batch",
            gzipped,
            "Content-Type",
            "application/json",
            "Content-Encoding",
            "gzip",
            "Authorization",
            basic(WRITE_KEY));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    List<LogEntry> entries = api.storedFor(userId);
    assertThat(entries).hasSize(200);
    assertThat(entries)
        .extracting(e -> json(e).get("properties").get("i").intValue())
        .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 200).boxed().toList());
  }

  /* ---- batches ---- */

  @Test
  void batch_envelopeContextAndIntegrations_areMergedUnderEachMessage_messageWins()
      throws Exception {
    String userId = unique("merge");

    HttpResponse<String> response =
        api.post(
            "/v1/batch",
            "{\"context\":{\"library\":{\"name\":\"analytics-java\",\"version\":\"3.5.4\"},"
                + "\"locale\":\"en-US\",\"app\":{\"name\":\"Shop\",\"version\":\"1.0\"}},"
                + "\"integrations\":{\"All\":false,\"Mixpanel\":true},"
                + "\"batch\":["
                + "{\"type\":\"identify\",\"userId\":\""
                + userId
                + "\",\"messageId\":\"m1\","
                + "\"context\":{\"locale\":\"fr-FR\",\"app\":{\"version\":\"2.0\"}},"
                + "\"integrations\":{\"Mixpanel\":false}},"
                + "{\"type\":\"identify\",\"userId\":\""
                + userId
                + "\",\"messageId\":\"m2\"}"
                + "]}");

    assertThat(response.body()).isEqualTo(SUCCESS);
    List<LogEntry> entries = api.storedFor(userId);
    assertThat(entries).extracting(LogEntry::messageId).containsExactly("m1", "m2");
    JsonNode own = json(entries.get(0));
    ObjectNode ownContext = (ObjectNode) own.get("context").deepCopy();
    ownContext.remove("ip");
    assertThat(ownContext)
        .isEqualTo(
            read(
                "{\"locale\":\"fr-FR\",\"app\":{\"version\":\"2.0\",\"name\":\"Shop\"},"
                    + "\"library\":{\"name\":\"analytics-java\",\"version\":\"3.5.4\"}}"));
    assertThat(own.get("integrations")).isEqualTo(read("{\"Mixpanel\":false,\"All\":false}"));
    JsonNode bare = json(entries.get(1));
    ObjectNode bareContext = (ObjectNode) bare.get("context").deepCopy();
    bareContext.remove("ip");
    assertThat(bareContext)
        .isEqualTo(
            read(
                "{\"library\":{\"name\":\"analytics-java\",\"version\":\"3.5.4\"},"
                    + "\"locale\":\"en-US\",\"app\":{\"name\":\"Shop\",\"version\":\"1.0\"}}"));
    assertThat(bare.get("integrations")).isEqualTo(read("{\"All\":false,\"Mixpanel\":true}"));
  }

  @Test
  void batch_envelopeSentAt_correctsTheSkewOfMessagesWithoutTheirOwn() throws Exception {
    String userId = unique("sent-at");

    HttpResponse<String> response =
        api.post(
            "/v1/batch",
            "{\"sentAt\":\"2020-01-01T00:00:10.000Z\",\"batch\":["
                + "{\"type\":\"track\",\"event\":\"E\",\"userId\":\""
                + userId
                + "\",\"messageId\":\"envelope\",\"timestamp\":\"2020-01-01T00:00:00.000Z\"},"
                + "{\"type\":\"track\",\"event\":\"E\",\"userId\":\""
                + userId
                + "\",\"messageId\":\"own\",\"timestamp\":\"2020-01-01T00:00:00.000Z\","
                + "\"sentAt\":\"2020-01-01T00:00:04.000Z\"}]}");

    assertThat(response.body()).isEqualTo(SUCCESS);
    List<LogEntry> entries = api.storedFor(userId);
    assertThat(entries).extracting(LogEntry::messageId).containsExactly("envelope", "own");
    JsonNode envelope = json(entries.get(0));
    assertThat(envelope.get("sentAt").textValue()).isEqualTo("2020-01-01T00:00:10.000Z");
    assertThat(envelope.get("originalTimestamp").textValue()).isEqualTo("2020-01-01T00:00:00.000Z");
    assertThat(timestamp(envelope)).isEqualTo(receivedAt(envelope).minusSeconds(10));
    JsonNode own = json(entries.get(1));
    assertThat(own.get("sentAt").textValue()).isEqualTo("2020-01-01T00:00:04.000Z");
    assertThat(timestamp(own)).isEqualTo(receivedAt(own).minusSeconds(4));
  }

  @Test
  void batch_someMessagesInvalid_storesTheValidOnes_andListsTheRejected() throws Exception {
    String userId = unique("partial");
    String u = "\"userId\":\"" + userId + "\"";

    HttpResponse<String> response =
        api.post(
            "/v1/batch",
            "{\"batch\":["
                + ("{\"type\":\"identify\"," + u + ",\"messageId\":\"ok-0\"},")
                + "{\"type\":\"identify\",\"traits\":{\"plan\":\"no ids\"}},"
                + ("{\"type\":\"track\"," + u + "},")
                + ("{\"type\":\"track\"," + u + ",\"event\":\"E\",\"messageId\":\"ok-3\"},")
                + ("{\"type\":\"identify\"," + u + ",\"traits\":\"not an object\"},")
                + "\"not a message\""
                + "]}");

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode body = read(response.body());
    assertThat(body.get("success").booleanValue()).isTrue();
    assertThat(body.get("rejected"))
        .isEqualTo(
            read(
                "["
                    + "{\"index\":1,\"error\":\"userId or anonymousId is required\",\"path\":\"batch[1].userId\"},"
                    + "{\"index\":2,\"error\":\"event is required for a track call\",\"path\":\"batch[2].event\"},"
                    + "{\"index\":4,\"error\":\"traits must be an object, not a string\",\"path\":\"batch[4].traits\"},"
                    + "{\"index\":5,\"error\":\"a message must be a JSON object, not a string\",\"path\":\"batch[5]\"}"
                    + "]"));
    assertThat(api.storedFor(userId))
        .extracting(LogEntry::messageId)
        .containsExactly("ok-0", "ok-3");
  }

  @Test
  void batch_nothingValid_is400_andStoresNothing() throws Exception {
    String userId = unique("none-valid");
    int before = api.stored().size();

    HttpResponse<String> response =
        api.post(
            "/v1/batch",
            "{\"batch\":[{\"type\":\"track\",\"userId\":\""
                + userId
                + "\"},{\"type\":\"identify\"}]}");

    assertThat(response.statusCode()).isEqualTo(400);
    JsonNode body = read(response.body());
    assertThat(body.get("success").booleanValue()).isFalse();
    assertThat(body.get("error").textValue()).contains("nothing was stored");
    assertThat(body.get("rejected").size()).isEqualTo(2);
    assertThat(body.get("rejected").get(0).get("path").textValue()).isEqualTo("batch[0].event");
    assertThat(body.get("rejected").get(1).get("path").textValue()).isEqualTo("batch[1].userId");
    assertThat(api.stored()).hasSize(before);
  }

  /* ---- de-duplication ---- */

  @Test
  void duplicateMessageId_sameSource_isAcknowledgedButStoredOnce() throws Exception {
    String userId = unique("dup");
    String messageId = unique("msg");
    String first =
        "{\"userId\":\""
            + userId
            + "\",\"messageId\":\""
            + messageId
            + "\",\"traits\":{\"plan\":\"first\"}}";
    String second = first.replace("first", "second");

    HttpResponse<String> a = api.post("/v1/identify", first);
    HttpResponse<String> b = api.post("/v1/identify", second);
    HttpResponse<String> c =
        api.post(
            "/v1/batch",
            "{\"batch\":["
                + second.replace("{\"userId\"", "{\"type\":\"identify\",\"userId\"")
                + "]}");

    assertThat(List.of(a, b, c)).allSatisfy(r -> assertThat(r.body()).isEqualTo(SUCCESS));
    List<LogEntry> entries = api.storedWithMessageId(messageId);
    assertThat(entries).hasSize(1);
    assertThat(json(entries.get(0)).get("traits").get("plan").textValue()).isEqualTo("first");
  }

  @Test
  void duplicateMessageId_withinOneBatch_isStoredOnce() throws Exception {
    String userId = unique("dup-batch");
    String messageId = unique("msg");
    String message =
        "{\"type\":\"identify\",\"userId\":\""
            + userId
            + "\",\"messageId\":\""
            + messageId
            + "\",\"traits\":{\"plan\":\"%s\"}}";

    HttpResponse<String> response =
        api.post(
            "/v1/batch",
            "{\"batch\":[" + message.formatted("first") + "," + message.formatted("second") + "]}");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo(SUCCESS);
    List<LogEntry> entries = api.storedWithMessageId(messageId);
    assertThat(entries).hasSize(1);
    assertThat(json(entries.get(0)).get("traits").get("plan").textValue()).isEqualTo("first");
  }

  @Test
  void sameMessageId_fromTwoWriteKeys_isStoredForEachSource() throws Exception {
    String userId = unique("two-sources");
    String messageId = unique("msg");
    byte[] body = utf8("{\"userId\":\"" + userId + "\",\"messageId\":\"" + messageId + "\"}");

    HttpResponse<String> a =
        api.post(
            "/v1/identify",
            body,
            "Content-Type",
            "application/json",
            "Authorization",
            basic(WRITE_KEY));
    HttpResponse<String> b =
        api.post(
            "/v1/identify",
            body,
            "Content-Type",
            "application/json",
            "Authorization",
            basic(OTHER_WRITE_KEY));

    assertThat(a.body()).isEqualTo(SUCCESS);
    assertThat(b.body()).isEqualTo(SUCCESS);
    assertThat(api.storedWithMessageId(messageId))
        .extracting(LogEntry::sourceId)
        .containsExactlyInAnyOrder(
            WriteKeys.sourceIdOf(WRITE_KEY), WriteKeys.sourceIdOf(OTHER_WRITE_KEY));
  }

  /* ---- context.ip ---- */

  @Test
  void contextIp_absent_isFilledFromTheConnection() throws Exception {
    String userId = unique("ip");

    HttpResponse<String> response =
        api.http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + "/v1/identify"))
                .header("Authorization", basic(WRITE_KEY))
                .POST(HttpRequest.BodyPublishers.ofString("{\"userId\":\"" + userId + "\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(response.body()).isEqualTo(SUCCESS);
    assertThat(api.onlyMessageOf(userId).get("context").get("ip").textValue())
        .isEqualTo("127.0.0.1");
  }

  @Test
  void contextIp_sentByTheClient_isKept() throws Exception {
    String userId = unique("own-ip");

    api.post(
        "/v1/identify", "{\"userId\":\"" + userId + "\",\"context\":{\"ip\":\"203.0.113.7\"}}");

    assertThat(api.onlyMessageOf(userId).get("context").get("ip").textValue())
        .isEqualTo("203.0.113.7");
  }

  /* ---- CORS ---- */

  @ParameterizedTest
  @ValueSource(strings = {"/v1/identify", "/v1/batch", "/v1/t"})
  void cors_preflight_isAnswered204WithTheAllowHeaders(String path) throws Exception {
    HttpResponse<String> response =
        api.send(
            api.request(path)
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "https://shop.example")
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization, content-type"));

    assertThat(response.statusCode()).isEqualTo(204);
    assertThat(response.headers().firstValue("Access-Control-Allow-Origin"))
        .hasValue("https://shop.example");
    assertThat(response.headers().firstValue("Access-Control-Allow-Headers").orElseThrow())
        .containsIgnoringCase("authorization")
        .containsIgnoringCase("content-type");
    assertThat(response.headers().firstValue("Access-Control-Allow-Methods").orElseThrow())
        .contains("POST");
  }

  @Test
  void cors_postWithOrigin_getsAccessControlAllowOrigin_alsoOnAnError() throws Exception {
    String userId = unique("cors");

    HttpResponse<String> ok =
        api.send(
            api.request("/v1/t")
                .header("Origin", "https://shop.example")
                .header("Content-Type", "text/plain")
                .header("Authorization", basic(WRITE_KEY))
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"userId\":\"" + userId + "\",\"event\":\"E\"}")));
    HttpResponse<String> rejected =
        api.send(
            api.request("/v1/t")
                .header("Origin", "https://shop.example")
                .header("Authorization", basic(WRITE_KEY))
                .POST(HttpRequest.BodyPublishers.ofString("{\"userId\":\"" + userId + "\"}")));

    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.headers().firstValue("Access-Control-Allow-Origin"))
        .hasValue("https://shop.example");
    assertThat(rejected.statusCode()).isEqualTo(400);
    assertThat(rejected.headers().firstValue("Access-Control-Allow-Origin"))
        .as("a browser can read why its call was rejected")
        .hasValue("https://shop.example");
  }

  /* ---- analytics.js settings ---- */

  @Test
  void settings_knownWriteKey_pointsTheSegmentIoIntegrationAtThisServer() throws Exception {
    HttpResponse<String> response = api.get("/v1/projects/" + WRITE_KEY + "/settings");

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode segment = read(response.body()).get("integrations").get("Segment.io");
    assertThat(segment.get("apiHost").textValue()).isEqualTo("localhost:" + api.port() + "/v1");
    assertThat(segment.get("apiKey").textValue()).isEqualTo(WRITE_KEY);
    assertThat(segment.get("protocol").textValue()).isEqualTo("http");
  }

  @Test
  void settings_unknownWriteKey_is404() throws Exception {
    HttpResponse<String> response = api.get("/v1/projects/not-a-key/settings");

    assertThat(response.statusCode()).isEqualTo(404);
    JsonNode body = read(response.body());
    assertThat(body.get("success").booleanValue()).isFalse();
    assertThat(body.get("error").textValue()).contains("write key");
  }

  /* ---- operations ---- */

  @Test
  void health_whileTheLogIsWritable_is200Up() throws Exception {
    HttpResponse<String> response = api.get("/health");

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode body = read(response.body());
    assertThat(body.get("status").textValue()).isEqualTo("up");
    assertThat(body.get("log").get("writable").booleanValue()).isTrue();
  }

  @Test
  void metrics_countAcceptedMessagesByType() throws Exception {
    double identifiesBefore = accepted("identify");
    double tracksBefore = accepted("track");

    api.post(
        "/v1/batch",
        "{\"batch\":[{\"type\":\"identify\",\"userId\":\"m\"},{\"type\":\"identify\",\"userId\":\"m\"},"
            + "{\"type\":\"track\",\"userId\":\"m\",\"event\":\"E\"}]}");

    assertThat(accepted("identify") - identifiesBefore).isEqualTo(2.0);
    assertThat(accepted("track") - tracksBefore).isEqualTo(1.0);
  }

  /** {@code rollcall_messages_accepted_total{type="TYPE"}} as /metrics reports it now. */
  private static double accepted(String type) throws Exception {
    HttpResponse<String> response = api.get("/metrics");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type").orElseThrow())
        .startsWith("text/plain");
    Matcher line =
        Pattern.compile(
                "^rollcall_messages_accepted_total\\{[^}]*type=\"" + type + "\"[^}]*}\\s+(\\S+)$",
                Pattern.MULTILINE)
            .matcher(response.body());
    assertThat(line.find()).as("a rollcall_messages_accepted_total line for %s", type).isTrue();
    return Double.parseDouble(line.group(1));
  }

  private static Instant timestamp(JsonNode message) {
    return Instant.parse(message.get("timestamp").textValue());
  }

  private static Instant receivedAt(JsonNode message) {
    return Instant.parse(message.get("receivedAt").textValue());
  }
}
