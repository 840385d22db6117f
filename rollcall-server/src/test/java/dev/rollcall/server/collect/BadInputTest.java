package dev.rollcall.server.collect;

import static dev.rollcall.server.collect.TrackingApi.OTHER_WRITE_KEY;
import static dev.rollcall.server.collect.TrackingApi.WRITE_KEY;
import static dev.rollcall.server.collect.TrackingApi.basic;
import static dev.rollcall.server.collect.TrackingApi.gzip;
import static dev.rollcall.server.collect.TrackingApi.read;
import static dev.rollcall.server.collect.TrackingApi.unique;
import static dev.rollcall.server.collect.TrackingApi.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rollcall.storage.LogEntry;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bad input over real HTTP: each request gets its documented 4xx with {@code {"success": false,
 * "error": ...}} naming the problem, nothing of it is stored, and the server keeps serving (checked
 * after every test).
 */
class BadInputTest {
  private static final int KB = 1024;

  @TempDir static Path dataDir;
  private static TrackingApi api;
  private int storedBefore;

  @BeforeAll
  static void start() throws Exception {
    api = TrackingApi.start(dataDir);
  }

  @AfterAll
  static void stop() {
    if (api != null) api.close();
  }

  @BeforeEach
  void countStored() {
    storedBefore = api.stored().size();
  }

  /** After any bad input, a good call is still answered 200 and stored. */
  @AfterEach
  void serverStillServes() throws Exception {
    String userId = unique("still-serving");

    HttpResponse<String> response =
        api.post("/v1/identify", "{\"userId\":\"" + userId + "\",\"traits\":{\"plan\":\"pro\"}}");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("{\"success\":true}");
    assertThat(api.storedFor(userId)).hasSize(1);
  }

  /* ---- JSON ---- */

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"userId\": \"u\", \"traits\": }",
        "{\"userId\": \"u\"",
        "{userId: \"u\"}",
        "{'userId': 'u'}",
        "{\"userId\": \"u\",}",
        "{\"userId\": \"u\", \"traits\": {\"age\": NaN}}",
        "not json at all"
      })
  void identify_malformedJson_is400(String body) throws Exception {
    HttpResponse<String> response = api.post("/v1/identify", body);

    assertRejected(response, 400, "JSON");
  }

  /** Found by fuzzing: a number whose exponent is too large for Jackson once was a 500. */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "/v1/identify | {\"userId\": \"u\", \"traits\": {\"n\": 999E9999999999999}}",
        "/v1/identify | {\"userId\": 1e99999999999}",
        "/v1/batch    | {\"batch\": [{\"type\": \"identify\", \"userId\": \"u\", \"traits\": {\"n\": 1E-9999999999}}]}",
        "/v1/batch    | {\"batch\": [], \"sentAt\": 9e9999999999}"
      })
  void body_numberWithAnExponentBeyondReading_is400(String path, String body) throws Exception {
    HttpResponse<String> response = api.post(path, body);

    JsonNode json = assertRejected(response, 400, "number");
    assertThat(json.get("error").textValue()).contains("out of range");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"batch\": [{\"type\": \"identify\", \"userId\": \"u\"},]}",
        "{\"batch\": [{\"type\": \"identify\", \"userId\": \"u\"}",
        "{\"batch\": [{\"type\": \"identify\", \"userId\": \"u\"}]} trailing",
        "{\"batch\": []} {\"batch\": []}"
      })
  void batch_malformedJson_is400(String body) throws Exception {
    HttpResponse<String> response = api.post("/v1/batch", body);

    assertRejected(response, 400, "JSON");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"{\"userId\": \"u\"} {\"userId\": \"v\"}", "{\"userId\": \"u\"} trailing"})
  void identify_trailingContentAfterTheObject_is400(String body) throws Exception {
    HttpResponse<String> response = api.post("/v1/identify", body);

    assertRejected(response, 400, "JSON");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "/v1/identify | [{\"userId\": \"u\"}]",
        "/v1/identify | \"userId\"",
        "/v1/identify | 42",
        "/v1/identify | null",
        "/v1/batch    | [{\"type\": \"identify\", \"userId\": \"u\"}]",
        "/v1/batch    | \"batch\"",
        "/v1/batch    | null"
      })
  void body_jsonButNotAnObject_is400(String path, String body) throws Exception {
    HttpResponse<String> response = api.post(path, body);

    assertRejected(response, 400, "JSON object");
  }

  /* ---- fields ---- */

  @ParameterizedTest(name = "{1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "/v1/identify | {\"userId\": \"u\", \"traits\": \"premium\"}         | traits      | traits must be an object, not a string",
        "/v1/identify | {\"userId\": {\"id\": 1}}                            | userId      | userId must be a string or a number, not an object",
        "/v1/identify | {\"anonymousId\": true}                              | anonymousId | anonymousId must be a string or a number, not a boolean",
        "/v1/identify | {\"userId\": \"u\", \"context\": [\"ip\"]}           | context     | context must be an object, not an array",
        "/v1/identify | {\"userId\": \"u\", \"integrations\": \"All\"}       | integrations | integrations must be an object, not a string",
        "/v1/identify | {\"userId\": \"u\", \"messageId\": [1]}              | messageId   | messageId must be a string, not an array",
        "/v1/identify | {\"userId\": \"u\", \"timestamp\": \"yesterday\"}    | timestamp   | timestamp is not a date",
        "/v1/track    | {\"userId\": \"u\", \"event\": 42}                   | event       | event must be a string, not a number",
        "/v1/track    | {\"userId\": \"u\", \"event\": \"E\", \"properties\": 1} | properties | properties must be an object, not a number",
        "/v1/page     | {\"userId\": \"u\", \"name\": {}}                    | name        | name must be a string, not an object"
      })
  void field_ofTheWrongType_is400NamingTheField(
      String path, String body, String field, String error) throws Exception {
    HttpResponse<String> response = api.post(path, body);

    JsonNode json = assertRejected(response, 400, error);
    assertThat(json.get("path").textValue()).isEqualTo(field);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"traits\": {\"email\": \"peter@initech.com\"}}",
        "{\"userId\": \"\", \"anonymousId\": \"\"}",
        "{\"userId\": null, \"anonymousId\": null}",
        "{}"
      })
  void identify_withoutUserIdOrAnonymousId_is400(String body) throws Exception {
    HttpResponse<String> response = api.post("/v1/identify", body);

    JsonNode json = assertRejected(response, 400, "userId or anonymousId is required");
    assertThat(json.get("path").textValue()).isEqualTo("userId");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "/v1/track | {\"userId\": \"u\"}                     | event      | event is required",
        "/v1/group | {\"userId\": \"u\"}                     | groupId    | groupId is required",
        "/v1/alias | {\"userId\": \"u\"}                     | previousId | previousId is required",
        "/v1/alias | {\"anonymousId\": \"a\", \"previousId\": \"p\"} | userId | userId is required"
      })
  void call_withoutItsRequiredField_is400(String path, String body, String field, String error)
      throws Exception {
    HttpResponse<String> response = api.post(path, body);

    JsonNode json = assertRejected(response, 400, error);
    assertThat(json.get("path").textValue()).isEqualTo(field);
  }

  @ParameterizedTest
  @ValueSource(strings = {"{}", "{\"batch\": {}}", "{\"batch\": \"[]\"}"})
  void batch_withoutABatchArray_is400(String body) throws Exception {
    HttpResponse<String> response = api.post("/v1/batch", body);

    JsonNode json = assertRejected(response, 400, "batch must be an array");
    assertThat(json.get("path").textValue()).isEqualTo("batch");
  }

  /**
   * Found by fuzzing: with the field batch twice, the envelope kept the last array, so the first
   * one's messages were dropped without a word under a 200, and the collector's reader, which noted
   * the places of both arrays' messages, checked the size of (and showed in the console) another
   * message than the one it stored.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"batch\": [{\"type\": \"identify\", \"userId\": \"first\"}],"
            + " \"batch\": [{\"type\": \"identify\", \"userId\": \"second\"}]}",
        "{\"batch\": [], \"batch\": [{\"type\": \"identify\", \"userId\": \"u\"}]}",
        "{\"batch\": [{\"type\": \"identify\", \"userId\": \"u\"}], \"batch\": []}",
        "{\"batch\": [{\"type\": \"identify\", \"userId\": \"u\"}], \"batch\": \"x\"}",
        "{\"batch\": 1, \"batch\": [{\"type\": \"identify\", \"userId\": \"u\"}]}"
      })
  void batch_theFieldBatchTwice_is400(String body) throws Exception {
    HttpResponse<String> response = api.post("/v1/batch", body);

    JsonNode json = assertRejected(response, 400, "the field batch more than once");
    assertThat(json.get("path").textValue()).isEqualTo("batch");
  }

  @Test
  void batch_envelopeSentAtNotADate_is400NamingTheEnvelopesSentAt() throws Exception {
    HttpResponse<String> response =
        api.post(
            "/v1/batch",
            "{\"batch\": [{\"type\": \"identify\", \"userId\": \"a\"}], \"sentAt\": \"garbage\"}");

    JsonNode json =
        assertRejected(
            response, 400, "the batch's sentAt is not a date (ISO-8601 or Unix time): \"garbage\"");
    assertThat(json.get("path").textValue()).isEqualTo("sentAt");
  }

  @Test
  void batch_empty_is400() throws Exception {
    HttpResponse<String> response = api.post("/v1/batch", "{\"batch\": []}");

    assertRejected(response, 400, "the batch is empty");
  }

  @Test
  void batch_unknownType_isARejectedEntry() throws Exception {
    String userId = unique("unknown-type");

    HttpResponse<String> response =
        api.post(
            "/v1/batch",
            "{\"batch\": [{\"type\": \"identify\", \"userId\": \""
                + userId
                + "\"}, {\"type\": \"purchase\", \"userId\": \""
                + userId
                + "\"}, {\"userId\": \""
                + userId
                + "\"}]}");

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode rejected = read(response.body()).get("rejected");
    assertThat(rejected.size()).isEqualTo(2);
    assertThat(rejected.get(0).get("index").intValue()).isEqualTo(1);
    assertThat(rejected.get(0).get("path").textValue()).isEqualTo("batch[1].type");
    assertThat(rejected.get(0).get("error").textValue())
        .contains("type must be one of identify, track, page, screen, group, alias")
        .contains("purchase");
    assertThat(rejected.get(1).get("index").intValue()).isEqualTo(2);
    assertThat(rejected.get(1).get("error").textValue()).isEqualTo("type is required");
    assertThat(api.storedFor(userId))
        .extracting(e -> e.type().wireName())
        .containsExactly("identify");
  }

  @Test
  void batch_unknownTypeOnly_is400() throws Exception {
    HttpResponse<String> response =
        api.post("/v1/batch", "{\"batch\": [{\"type\": \"purchase\", \"userId\": \"u\"}]}");

    JsonNode json = assertRejected(response, 400, "no message of the batch is valid");
    assertThat(json.get("rejected").get(0).get("path").textValue()).isEqualTo("batch[0].type");
  }

  /* ---- bodies ---- */

  @ParameterizedTest
  @ValueSource(strings = {"/v1/identify", "/v1/batch"})
  void body_empty_is400(String path) throws Exception {
    HttpResponse<String> response =
        api.post(
            path,
            new byte[0],
            "Content-Type",
            "application/json",
            "Authorization",
            basic(WRITE_KEY));

    assertRejected(response, 400, "empty");
  }

  /** Whitespace alone is as empty as no body: the same answer, which says what to send. */
  @ParameterizedTest
  @ValueSource(strings = {"/v1/identify", "/v1/batch"})
  void body_onlyWhitespace_is400AsAnEmptyBody(String path) throws Exception {
    HttpResponse<String> response = api.post(path, "  \n\t\r ");

    JsonNode json = assertRejected(response, 400, "empty");
    assertThat(json.get("error").textValue()).isEqualTo("the body is empty; send a JSON object");
    assertThat(json.get("path").textValue()).isEmpty();
  }

  @ParameterizedTest
  @CsvSource({
    "/v1/identify, application/x-www-form-urlencoded",
    "/v1/batch, application/x-www-form-urlencoded",
    "/v1/identify, multipart/form-data; boundary=x",
    "/v1/identify, application/xml"
  })
  void contentType_notJson_is415(String path, String contentType) throws Exception {
    HttpResponse<String> response =
        api.post(
            path,
            utf8("{\"userId\": \"u\"}"),
            "Content-Type",
            contentType,
            "Authorization",
            basic(WRITE_KEY));

    JsonNode json = assertRejected(response, 415, "Content-Type");
    assertThat(json.get("error").textValue()).contains(contentType.split(";")[0]);
  }

  @Test
  void contentEncoding_notGzip_is415() throws Exception {
    HttpResponse<String> response =
        api.post(
            "/v1/identify",
            utf8("{\"userId\": \"u\"}"),
            "Content-Type",
            "application/json",
            "Content-Encoding",
            "br",
            "Authorization",
            basic(WRITE_KEY));

    assertRejected(response, 415, "Content-Encoding");
  }

  /* ---- limits ---- */

  @Test
  void identify_over32Kb_is413() throws Exception {
    String body = identifyOfSize("too-big", 32 * KB + 1);

    HttpResponse<String> response = api.post("/v1/identify", body);

    assertRejected(response, 413, "32 KB");
  }

  @Test
  void identify_ofExactly32Kb_isAccepted() throws Exception {
    String userId = unique("exactly-32kb");
    String body = identifyOfSize(userId, 32 * KB);

    HttpResponse<String> response = api.post("/v1/identify", body);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(api.storedFor(userId)).hasSize(1);
  }

  @Test
  void identify_gzippedUnder32KbButOver32KbInflated_is413() throws Exception {
    byte[] body = gzip(utf8(identifyOfSize("inflates-too-big", 40 * KB)));
    assertThat(body.length).isLessThan(32 * KB);

    HttpResponse<String> response =
        api.post(
            "/v1/identify",
            body,
            "Content-Type",
            "application/json",
            "Content-Encoding",
            "gzip",
            "Authorization",
            basic(WRITE_KEY));

    assertRejected(response, 413, "32 KB");
  }

  @Test
  void batch_over500Kb_is413() throws Exception {
    String body = batchOfSmallMessages("too-big-batch", 600 * KB);

    HttpResponse<String> response = api.post("/v1/batch", body);

    assertRejected(response, 413, "500 KB");
  }

  @Test
  void batch_chunkedOver500Kb_is413() throws Exception {
    byte[] body = utf8(batchOfSmallMessages("too-big-chunked", 600 * KB));

    HttpResponse<String> response = api.postChunked("/v1/batch", body);

    assertRejected(response, 413, "500 KB");
  }

  @Test
  void batch_ofExactly500Kb_isAccepted() throws Exception {
    String userId = unique("exactly-500kb");
    String body = batchOfSmallMessages(userId, 500 * KB);
    assertThat(utf8(body)).hasSize(500 * KB);

    HttpResponse<String> response = api.post("/v1/batch", body);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(api.storedFor(userId)).isNotEmpty();
  }

  @Test
  void batch_withOneMessageOver32Kb_rejectsThatMessageAndStoresTheOthers() throws Exception {
    String userId = unique("big-in-batch");
    String small = "{\"type\":\"identify\",\"userId\":\"" + userId + "\"}";
    String big = messageOfSize(userId, 32 * KB + 1);

    HttpResponse<String> response =
        api.post("/v1/batch", "{\"batch\":[" + small + "," + big + "," + small + "]}");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode rejected = read(response.body()).get("rejected");
    assertThat(rejected.size()).isEqualTo(1);
    assertThat(rejected.get(0).get("index").intValue()).isEqualTo(1);
    assertThat(rejected.get(0).get("error").textValue()).contains("32 KB");
    assertThat(rejected.get(0).get("path").textValue()).isEqualTo("batch[1]");
    assertThat(api.storedFor(userId)).hasSize(2);
  }

  @Test
  void batch_withOneMessageOfExactly32Kb_storesIt() throws Exception {
    String userId = unique("exactly-32kb-in-batch");
    String exact = messageOfSize(userId, 32 * KB);

    HttpResponse<String> response = api.post("/v1/batch", "{\"batch\":[" + exact + "]}");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("{\"success\":true}");
    assertThat(api.storedFor(userId)).hasSize(1);
  }

  /* ---- gzip ---- */

  @Test
  void batch_gzipBomb_is413Quickly_withoutInflatingIt() throws Exception {
    byte[] bomb = gzippedZeros(50 * KB * KB);
    assertThat(bomb.length).isBetween(20 * KB, 100 * KB);
    assertRejected(postGzip("/v1/batch", bomb), 413, "500 KB"); // warms the path up
    storedBefore = api.stored().size();

    Map<Long, Long> allocatedBefore = allocatedBytesByThread();
    long start = System.nanoTime();
    HttpResponse<String> response = postGzip("/v1/batch", bomb);
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    long allocated = allocatedSince(allocatedBefore);

    assertRejected(response, 413, "500 KB");
    assertThat(took).isLessThan(Duration.ofSeconds(5));
    assertThat(allocated)
        .as("bytes allocated by every thread while the 50 MB bomb was refused")
        .isLessThan(16L * KB * KB);
  }

  @Test
  void identify_gzipBomb_is413() throws Exception {
    byte[] bomb = gzippedZeros(10 * KB * KB);
    assertThat(bomb.length).isLessThan(32 * KB);

    HttpResponse<String> response = postGzip("/v1/identify", bomb);

    assertRejected(response, 413, "32 KB");
  }

  @ParameterizedTest
  @ValueSource(strings = {"/v1/identify", "/v1/batch"})
  void body_notGzipButSaysSo_is400(String path) throws Exception {
    HttpResponse<String> response = postGzip(path, utf8("{\"userId\": \"u\"}"));

    assertRejected(response, 400, "gzip");
  }

  @Test
  void body_truncatedGzip_is400() throws Exception {
    byte[] whole =
        gzip(utf8("{\"userId\": \"u\", \"traits\": {\"plan\": \"" + "p".repeat(500) + "\"}}"));
    byte[] truncated = Arrays.copyOf(whole, whole.length / 2);

    HttpResponse<String> response = postGzip("/v1/identify", truncated);

    assertRejected(response, 400, "gzip");
  }

  /** Found by fuzzing: the gzip trailer was not checked, so damaged data could be stored. */
  @Test
  void body_gzipWithADamagedChecksum_is400() throws Exception {
    byte[] gzip = gzip(utf8("{\"userId\": \"u\", \"traits\": {\"plan\": \"pro\"}}"));
    gzip[gzip.length - 8] ^= 1;

    JsonNode json = assertRejected(postGzip("/v1/identify", gzip), 400, "gzip");
    assertThat(json.get("error").textValue()).contains("checksum");
  }

  /* ---- write keys ---- */

  @ParameterizedTest
  @ValueSource(strings = {"/v1/identify", "/v1/batch"})
  void writeKey_unknownInTheHeader_is401(String path) throws Exception {
    HttpResponse<String> response =
        api.post(
            path,
            utf8(goodBody(path)),
            "Content-Type",
            "application/json",
            "Authorization",
            basic("not-a-write-key"));

    assertRejected(response, 401, "unknown write key");
    assertThat(response.headers().firstValue("WWW-Authenticate")).isPresent();
  }

  @ParameterizedTest
  @ValueSource(strings = {"/v1/identify", "/v1/batch"})
  void writeKey_unknownInTheBody_is401(String path) throws Exception {
    String body = goodBody(path).replaceFirst("\\{", "{\"writeKey\": \"not-a-write-key\", ");

    HttpResponse<String> response = api.post(path, utf8(body), "Content-Type", "application/json");

    assertRejected(response, 401, "unknown write key");
  }

  @ParameterizedTest
  @ValueSource(strings = {"/v1/identify", "/v1/batch"})
  void writeKey_missing_is401(String path) throws Exception {
    HttpResponse<String> response =
        api.post(path, utf8(goodBody(path)), "Content-Type", "application/json");

    assertRejected(response, 401, "write key is required");
  }

  /**
   * A header that is there but holds no write key in HTTP Basic is neither a missing key nor an
   * unknown one (a Bearer header may carry the right key): the answer names the header.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "Bearer " + WRITE_KEY,
        "Bearer k1",
        "Digest k1",
        "Basic !!!notb64",
        "Basic not-base64!",
        "Basic ",
        "Basic Og==",
        "Digest username=\"x\""
      })
  void writeKey_inAnotherAuthorizationScheme_is401NamingTheHeader(String authorization)
      throws Exception {
    HttpResponse<String> response =
        api.post(
            "/v1/identify",
            utf8(goodBody("/v1/identify")),
            "Content-Type",
            "application/json",
            "Authorization",
            authorization);

    JsonNode json = assertRejected(response, 401, "write key");
    assertThat(json.get("error").textValue())
        .isEqualTo(
            "the Authorization header holds no write key: send the write key as the HTTP Basic"
                + " user name, or as \"writeKey\" in the body");
    assertThat(response.headers().firstValue("WWW-Authenticate")).isPresent();
  }

  @Test
  void writeKey_inTheBodyNotAString_is401() throws Exception {
    HttpResponse<String> response =
        api.post(
            "/v1/identify",
            utf8("{\"writeKey\": [\"" + OTHER_WRITE_KEY + "\"], \"userId\": \"u\"}"),
            "Content-Type",
            "application/json");

    assertRejected(response, 401, "write key");
  }

  /* ---- nesting and encoding ---- */

  @ParameterizedTest
  @ValueSource(ints = {100, 10_000})
  void identify_deeplyNestedTraits_is400(int depth) throws Exception {
    String body =
        "{\"userId\": \"u\", \"traits\": {\"deep\": "
            + "[".repeat(depth)
            + "]".repeat(depth)
            + "}}";

    HttpResponse<String> response = api.post("/v1/identify", body);

    assertRejected(response, 400, "nesting depth");
  }

  @Test
  void batch_deeplyNestedProperties_is400() throws Exception {
    String body =
        "{\"batch\": [{\"type\": \"track\", \"event\": \"E\", \"userId\": \"u\", \"properties\": {\"deep\": "
            + "[".repeat(10_000)
            + "]".repeat(10_000)
            + "}}]}";

    HttpResponse<String> response = api.post("/v1/batch", body);

    assertRejected(response, 400, "nesting depth");
  }

  @Test
  void identify_nestedTwentyLevels_isAccepted() throws Exception {
    String userId = unique("nested");
    String body =
        "{\"userId\": \""
            + userId
            + "\", \"traits\": {\"deep\": "
            + "[".repeat(20)
            + "1"
            + "]".repeat(20)
            + "}}";

    HttpResponse<String> response = api.post("/v1/identify", body);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(api.onlyMessageOf(userId).get("traits").get("deep").toString())
        .isEqualTo("[".repeat(20) + "1" + "]".repeat(20));
  }

  @ParameterizedTest(name = "{0} in a {1}")
  @CsvSource({
    "ff, value", // never a UTF-8 byte
    "80, value", // a continuation byte with no start
    "c3, value", // a two-byte sequence cut short
    "e282, value", // a three-byte sequence cut short
    "eda080, value", // an encoded UTF-16 surrogate (U+D800)
    "f888808080, value", // a five-byte sequence
    "ff, name",
    "c3, name",
    "eda080, name"
  })
  void identify_invalidUtf8InAString_is400(String hex, String where) throws Exception {
    HttpResponse<String> response = postWithBytesIn("/v1/identify", hex, where);

    assertRejected(response, 400, "UTF-8");
  }

  @ParameterizedTest(name = "{0} in a {1}")
  @CsvSource({"ff, value", "eda080, name"})
  void batch_invalidUtf8InAString_is400(String hex, String where) throws Exception {
    HttpResponse<String> response = postWithBytesIn("/v1/batch", hex, where);

    assertRejected(response, 400, "UTF-8");
  }

  @ParameterizedTest(name = "{0} in a {1}")
  @CsvSource({
    "c0af, value", // overlong "/"
    "e080af, value", // overlong "/" in three bytes
    "c0a2, value", // overlong quote
    "f4908080, value", // above U+10FFFF
    "f4908080, name",
    "f5808080, name"
  })
  void identify_invalidUtf8ThatJacksonDecodes_is400(String hex, String where) throws Exception {
    HttpResponse<String> response = postWithBytesIn("/v1/identify", hex, where);

    assertRejected(response, 400, "UTF-8");
  }

  @Test
  void invalidUtf8InATraitName_neverStopsLaterCallsFromReachingProfiles() throws Exception {
    postWithBytesIn("/v1/identify", "f4908080", "name");
    String userId = unique("after-bad-utf8");
    assertThat(api.post("/v1/identify", "{\"userId\": \"" + userId + "\"}").statusCode())
        .isEqualTo(200);
    long last = api.storedFor(userId).get(0).offset();

    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (api.server.processor().checkpoint() < last) {
      assertThat(System.nanoTime()).as("processed within 10 s").isLessThan(deadline);
      Thread.sleep(50);
    }
    storedBefore = api.stored().size();
  }

  /* ---- paths ---- */

  @Test
  void post_unknownTrackingPath_is404() throws Exception {
    HttpResponse<String> response = api.post("/v1/nope", "{\"userId\": \"u\"}");

    assertRejected(response, 404, "/v1/nope");
  }

  @ParameterizedTest
  @ValueSource(strings = {"/v1/nope", "/v2/identify", "/nothing/here"})
  void get_unknownPath_is404(String path) throws Exception {
    HttpResponse<String> response = api.get(path);

    assertRejected(response, 404, path);
  }

  /**
   * A path that exists under other methods is a 405 (RFC 9110), not a 404: the Allow header lists
   * the methods it takes, HEAD wherever GET is, and OPTIONS where CORS preflights are answered.
   */
  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "GET    | /v1/identify                         | OPTIONS, POST",
        "PUT    | /v1/identify                         | OPTIONS, POST",
        "DELETE | /v1/identify                         | OPTIONS, POST",
        "PATCH  | /v1/identify                         | OPTIONS, POST",
        "GET    | /v1/batch                            | OPTIONS, POST",
        "GET    | /v1/t/                               | OPTIONS, POST",
        "POST   | /v1/destinations                     | GET, HEAD",
        "POST   | /health                              | GET, HEAD",
        "DELETE | /v1/projects/test-write-key/settings | GET, HEAD, OPTIONS"
      })
  void wrongMethod_onAPathThatExists_is405ListingTheMethodsItTakes(
      String method, String path, String allow) throws Exception {
    HttpResponse<String> response =
        api.send(api.request(path).method(method, HttpRequest.BodyPublishers.noBody()));

    JsonNode json = assertRejected(response, 405, method + " is not allowed at " + path);
    assertThat(json.get("error").textValue()).endsWith(allow);
    assertThat(response.headers().firstValue("Allow")).hasValue(allow);
  }

  @Test
  void head_onATrackingEndpoint_is405WithAllow() throws Exception {
    HttpResponse<String> response =
        api.send(api.request("/v1/identify").method("HEAD", HttpRequest.BodyPublishers.noBody()));

    assertThat(response.statusCode()).isEqualTo(405);
    assertThat(response.headers().firstValue("Allow")).hasValue("OPTIONS, POST");
    assertThat(response.body()).isEmpty();
  }

  /** RFC 9110 asks a server that takes GET to take HEAD too: the GET's answer without its body. */
  @Test
  void head_onHealth_isAnsweredAsGetWithoutABody() throws Exception {
    HttpResponse<String> response =
        api.send(api.request("/health").method("HEAD", HttpRequest.BodyPublishers.noBody()));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(response.body()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"/v1/nope", "/v1/projects/x", "/healthz", "/v1/identify/x"})
  void post_unknownPath_is404EvenWhereCorsOrAPatternCoversIt(String path) throws Exception {
    HttpResponse<String> response = api.post(path, "{\"userId\": \"u\"}");

    assertRejected(response, 404, "nothing at " + path);
  }

  /* ---- helpers ---- */

  /**
   * Asserts the status, the JSON error shape, that the error mentions {@code fragment}, that it
   * shows nothing of the inside, and that nothing was stored by the test so far.
   */
  private JsonNode assertRejected(HttpResponse<String> response, int status, String fragment) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    JsonNode body = read(response.body());
    assertThat(body.get("success").booleanValue()).isFalse();
    assertThat(body.get("error").textValue()).contains(fragment);
    assertThat(response.body()).doesNotContain("Exception").doesNotContain("\tat ");
    List<LogEntry> stored = api.stored();
    assertThat(stored).as("nothing stored").hasSize(storedBefore);
    return body;
  }

  private static HttpResponse<String> postGzip(String path, byte[] body) throws Exception {
    return api.post(
        path,
        body,
        "Content-Type",
        "application/json",
        "Content-Encoding",
        "gzip",
        "Authorization",
        basic(WRITE_KEY));
  }

  /** A body of {@code path} with {@code hex} bytes inside a trait's value or its name. */
  private static HttpResponse<String> postWithBytesIn(String path, String hex, String where)
      throws Exception {
    String template =
        where.equals("name")
            ? "{\"userId\": \"u\", \"traits\": {\"na@me\": \"x\"}}"
            : "{\"userId\": \"u\", \"traits\": {\"name\": \"a@b\"}}";
    if (path.equals("/v1/batch")) {
      template =
          "{\"batch\": ["
              + template.replace("{\"userId\"", "{\"type\": \"identify\", \"userId\"")
              + "]}";
    }
    String[] halves = template.split("@");
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.write(utf8(halves[0]));
    body.write(HexFormat.of().parseHex(hex));
    body.write(utf8(halves[1]));
    return api.post(
        path,
        body.toByteArray(),
        "Content-Type",
        "application/json",
        "Authorization",
        basic(WRITE_KEY));
  }

  private static String goodBody(String path) {
    return path.equals("/v1/batch")
        ? "{\"batch\": [{\"type\": \"identify\", \"userId\": \"u\"}]}"
        : "{\"userId\": \"u\"}";
  }

  /** An identify of exactly {@code bytes} bytes of UTF-8 (ASCII here). */
  private static String identifyOfSize(String userId, int bytes) {
    String shell = "{\"userId\":\"" + userId + "\",\"traits\":{\"bio\":\"\"}}";
    return shell.replace("\"bio\":\"\"", "\"bio\":\"" + "x".repeat(bytes - shell.length()) + "\"");
  }

  /** A batch message of exactly {@code bytes} bytes. */
  private static String messageOfSize(String userId, int bytes) {
    String shell =
        "{\"type\":\"identify\",\"userId\":\"" + userId + "\",\"traits\":{\"bio\":\"\"}}";
    return shell.replace("\"bio\":\"\"", "\"bio\":\"" + "x".repeat(bytes - shell.length()) + "\"");
  }

  /** A batch of messages of about 16 KB each, exactly {@code bytes} bytes in all. */
  private static String batchOfSmallMessages(String userId, int bytes) {
    String open = "{\"batch\":[";
    String close = "]}";
    StringBuilder batch = new StringBuilder(open);
    int left = bytes - open.length() - close.length();
    boolean first = true;
    while (left > 0) {
      int comma = first ? 0 : 1;
      int size = Math.min(16 * KB, left - comma);
      if (left - comma - size > 0 && left - comma - size < 200) {
        size -= 200; // leave room for one more whole message
      }
      if (!first) batch.append(',');
      batch.append(messageOfSize(userId, size));
      left -= size + comma;
      first = false;
    }
    return batch.append(close).toString();
  }

  private static byte[] gzippedZeros(int bytes) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] zeros = new byte[KB * KB];
    try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
      for (int written = 0; written < bytes; written += zeros.length) {
        gzip.write(zeros);
      }
    }
    return out.toByteArray();
  }

  private static Map<Long, Long> allocatedBytesByThread() {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long[] ids = threads.getAllThreadIds();
    long[] bytes = threads.getThreadAllocatedBytes(ids);
    Map<Long, Long> byThread = new HashMap<>();
    for (int i = 0; i < ids.length; i++) {
      if (bytes[i] >= 0) byThread.put(ids[i], bytes[i]);
    }
    return byThread;
  }

  /** Bytes allocated since {@code before} by the threads alive now (new ones from zero). */
  private static long allocatedSince(Map<Long, Long> before) {
    long total = 0;
    for (Map.Entry<Long, Long> thread : allocatedBytesByThread().entrySet()) {
      total += thread.getValue() - before.getOrDefault(thread.getKey(), 0L);
    }
    return total;
  }
}
