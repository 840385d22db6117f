package dev.rollcall.server.collect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.internal.Json;
import dev.rollcall.internal.Redacted;
import dev.rollcall.server.config.WriteKeys;
import dev.rollcall.server.console.CallFeed;
import dev.rollcall.server.console.FeedEntry;
import dev.rollcall.server.http.JsonResponses;
import dev.rollcall.spec.BatchEnvelope;
import dev.rollcall.spec.InvalidMessageException;
import dev.rollcall.spec.MessageNormalizer;
import dev.rollcall.spec.Outcome;
import dev.rollcall.storage.AppendResult;
import dev.rollcall.storage.EventLog;
import dev.rollcall.storage.LogEntry;
import dev.rollcall.storage.StoreUnavailableException;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import java.util.zip.DataFormatException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tracking API: takes calls over HTTP, checks them, and answers 200 once they are durable.
 *
 * <p>For each request, on the event loop: check the path and content type, read the body up to 500
 * KB (inflating gzip, with the same bound), find the write key (HTTP Basic user name, else {@code
 * writeKey} in the body), normalize each message, and append the valid ones to the event log. The
 * answer is sent from the log's commit callback, back on the request's event loop: no thread waits
 * for the disk.
 *
 * <p>Answers: {@code 200 {"success": true}} when everything was stored; a batch with some invalid
 * messages stores the valid ones and lists the others under {@code rejected}; a single invalid
 * message, or a batch with nothing valid, is a 400 naming the reason ({@code error}) and the field
 * ({@code path}; empty when the body as a whole is at fault). Over a limit: 413. A store that
 * cannot write, or is overloaded: 503 with {@code Retry-After}. Write keys and message contents are
 * never logged.
 *
 * <p>Every call, accepted or rejected, is also published to the {@link CallFeed} that the console's
 * live debugger reads: accepted calls once the log has them, with the bytes the log stores.
 * Publishing costs a counter increment and a reference per call (and, for a batch, a copy of each
 * item's bytes as sent); it never waits for a reader.
 */
public final class Collector implements Handler<HttpServerRequest> {
  private static final Logger LOG = LoggerFactory.getLogger(Collector.class);

  /** Seconds a client should wait after a 503 for overload, and after one for a failing store. */
  private static final int RETRY_AFTER_OVERLOADED = 1;

  private static final int RETRY_AFTER_UNAVAILABLE = 5;

  /** The most of a rejected request's body the feed keeps, in bytes: one message's limit. */
  private static final int FEED_RAW_LIMIT = BodyLimits.MAX_MESSAGE_BYTES;

  private final Vertx vertx;
  private final WriteKeys writeKeys;
  private final MessageNormalizer normalizer;
  private final EventLog log;
  private final CollectorMetrics metrics;
  private final CallFeed feed;
  private final Clock clock;
  private final RateLimiter limiter;
  private final InFlightBytes inFlight = InFlightBytes.ofHeap();

  public Collector(
      Vertx vertx,
      WriteKeys writeKeys,
      MessageNormalizer normalizer,
      EventLog log,
      CollectorMetrics metrics,
      CallFeed feed,
      Clock clock,
      RateLimiter limiter) {
    this.vertx = vertx;
    this.limiter = limiter;
    this.writeKeys = writeKeys;
    this.normalizer = normalizer;
    this.log = log;
    this.metrics = metrics;
    this.feed = feed;
    this.clock = clock;
  }

  @Override
  public void handle(HttpServerRequest request) {
    Endpoint endpoint = Endpoint.of(request.path());
    HttpServerResponse response = request.response();
    if (endpoint == null) {
      JsonResponses.error(response, 404, "no tracking endpoint at " + request.path());
      return;
    }
    if (log.isOverloaded()) {
      // shed before reading and parsing the body: under overload the CPU goes to the calls
      // already accepted, and to /health
      shed(endpoint, response);
      return;
    }
    String headerKey = basicAuthUser(request.getHeader("Authorization"));
    String headerSource = writeKeys.authenticate(headerKey);
    if (headerSource != null && rateLimited(endpoint, response, headerSource, true)) {
      return;
    }
    String contentTypeProblem = contentTypeProblem(request.getHeader("Content-Type"));
    if (contentTypeProblem != null) {
      publishRejected(endpoint, null, null, contentTypeProblem, "", 415);
      reply(endpoint, response, 415, JsonResponses.error(contentTypeProblem));
      return;
    }
    String encoding = request.getHeader("Content-Encoding");
    boolean gzip = encoding != null && encoding.trim().equalsIgnoreCase("gzip");
    if (encoding != null && !gzip && !encoding.trim().equalsIgnoreCase("identity")) {
      publishRejected(
          endpoint,
          null,
          null,
          "Content-Encoding must be gzip or absent, not " + encoding,
          "",
          415);
      reply(
          endpoint,
          response,
          415,
          JsonResponses.error("Content-Encoding must be gzip or absent, not " + encoding));
      return;
    }
    InFlightBytes.Reservation held = inFlight.open();
    if (held == null) {
      shed(endpoint, response);
      return;
    }
    response.endHandler(v -> held.release());
    response.closeHandler(v -> held.release());
    int limit = endpoint.isBatch() ? BodyLimits.MAX_REQUEST_BYTES : BodyLimits.MAX_MESSAGE_BYTES;
    // the body's size when the client gave it: a buffer that grows by doubling to a 465 KB batch
    // takes a whole 1 MB region of the heap (G1's "humongous" objects start at half a region);
    // allocated now, so reserved now, before a byte of the body has come
    int capacity = initialCapacity(request.getHeader("Content-Length"), limit);
    if (!held.growTo(capacity)) {
      held.release();
      shed(endpoint, response);
      return;
    }
    Buffer[] body = {Buffer.buffer(capacity)};
    boolean[] tooLarge = {false};
    request.handler(
        chunk -> {
          if (tooLarge[0] || body[0] == null) {
            return;
          }
          if (body[0].length() + chunk.length() > limit) {
            tooLarge[0] = true;
            publishRejected(endpoint, null, null, "the body is larger than the limit", "", 413);
            tooLarge(endpoint, response, limit);
            request.connection().close();
            return;
          }
          if (!held.growTo(body[0].length() + chunk.length())) {
            // over the bodies' budget: the rest is read and dropped, then a 503, so that the
            // client reads the answer instead of a connection reset while it sends
            body[0] = null;
            held.release();
            return;
          }
          body[0].appendBuffer(chunk);
        });
    request.endHandler(
        end -> {
          if (body[0] == null) {
            shed(endpoint, response);
          } else if (!tooLarge[0]) {
            metrics.bodyBytes(body[0].length());
            try {
              take(
                  request,
                  endpoint,
                  body[0].getBytes(),
                  gzip,
                  limit,
                  headerKey,
                  headerSource,
                  held);
            } catch (RuntimeException e) {
              internalError(endpoint, response, e);
            }
          }
        });
    request.exceptionHandler(e -> LOG.debug("request failed while reading: {}", e.toString()));
    request.resume();
  }

  /** The Content-Length when it is a number within the limit, else a small start (bytes). */
  private static int initialCapacity(String contentLength, int limit) {
    try {
      long length = contentLength == null ? -1 : Long.parseLong(contentLength.trim());
      return length >= 0 && length <= limit ? (int) length : 1_024;
    } catch (NumberFormatException e) {
      return 1_024;
    }
  }

  /**
   * A 503 with Retry-After, for a server too busy to take the request (its log overloaded, or the
   * bodies it holds at their budget). The connection is closed after it: a request shed on arrival
   * leaves its body unread on it.
   */
  private void shed(Endpoint endpoint, HttpServerResponse response) {
    metrics.request(endpoint.metricName(), 503);
    response.putHeader("Connection", "close");
    JsonResponses.retryLater(
        response, 503, RETRY_AFTER_OVERLOADED, "the server is busy; retry later");
  }

  private void take(
      HttpServerRequest request,
      Endpoint endpoint,
      byte[] body,
      boolean gzip,
      int limit,
      String headerKey,
      String sourceId,
      InFlightBytes.Reservation held) {
    HttpServerResponse response = request.response();
    if (gzip) {
      try {
        body = Bodies.gunzip(body, limit);
        if (!held.growTo(body.length)) {
          shed(endpoint, response);
          return;
        }
      } catch (Bodies.TooLargeException e) {
        publishRejected(
            endpoint,
            null,
            null,
            "the body is larger than the limit, after decompression",
            "",
            413);
        tooLarge(endpoint, response, limit);
        return;
      } catch (DataFormatException e) {
        publishRejected(endpoint, null, null, "the body is not valid gzip", "", 400);
        reply(
            endpoint,
            response,
            400,
            pathError("the body is not valid gzip: " + e.getMessage(), ""));
        return;
      }
    }
    if (isBlank(body)) {
      publishRejected(endpoint, null, null, "the body is empty", "", 400);
      reply(endpoint, response, 400, pathError("the body is empty; send a JSON object", ""));
      return;
    }
    String ip = request.remoteAddress() == null ? null : request.remoteAddress().hostAddress();
    KeyInHeader inHeader = KeyInHeader.of(request.getHeader("Authorization"), headerKey);
    try {
      if (endpoint.isBatch()) {
        takeBatch(endpoint, response, BatchReader.read(body), body, sourceId, inHeader, ip);
      } else {
        takeOne(endpoint, response, Json.read(body), body, sourceId, inHeader, ip);
      }
    } catch (BatchReader.TwoBatchesException e) {
      publishRejected(endpoint, sourceId, body, e.getMessage(), "batch", 400);
      reply(endpoint, response, 400, pathError(e.getMessage(), "batch"));
    } catch (java.io.IOException e) {
      publishRejected(
          endpoint, sourceId, body, "the body is not a JSON object: " + jsonProblem(e), "", 400);
      reply(
          endpoint,
          response,
          400,
          pathError("the body is not a JSON object: " + jsonProblem(e), ""));
    }
  }

  private void takeOne(
      Endpoint endpoint,
      HttpServerResponse response,
      JsonNode body,
      byte[] raw,
      String sourceId,
      KeyInHeader inHeader,
      String ip) {
    if (!(body instanceof ObjectNode)) {
      publishRejected(endpoint, sourceId, raw, "the body must be a JSON object", "", 400);
      reply(endpoint, response, 400, pathError("the body must be a JSON object", ""));
      return;
    }
    ObjectNode message = (ObjectNode) body;
    boolean keyFromBody = sourceId == null; // a key in the header was judged before the body
    sourceId = sourceId != null ? sourceId : writeKeys.authenticate(bodyWriteKey(message));
    if (sourceId == null) {
      String error = unauthorizedError(inHeader, message.has("writeKey"));
      publishRejected(endpoint, null, raw, error, "writeKey", 401);
      unauthorized(endpoint, response, error);
      return;
    }
    if (keyFromBody && rateLimited(endpoint, response, sourceId, false)) {
      return;
    }
    limiter.charge(sourceId, 1);
    message.remove("writeKey");
    Outcome outcome = normalizer.normalize(message, endpoint.type(), ip);
    if (!outcome.isAccepted()) {
      metrics.rejected(reason(outcome));
      publishRejected(endpoint, sourceId, raw, outcome.error(), outcome.path(), 400);
      ObjectNode error = JsonResponses.error(outcome.error());
      error.put("path", outcome.path());
      reply(endpoint, response, 400, error);
      return;
    }
    metrics.accepted(outcome.message().type());
    LogEntry entry = LogEntry.of(sourceId, outcome.message());
    append(
        endpoint,
        response,
        List.of(entry),
        List.of(feedEntry(endpoint, entry, raw, outcome)),
        null);
  }

  private void takeBatch(
      Endpoint endpoint,
      HttpServerResponse response,
      BatchReader.ReadBatch read,
      byte[] body,
      String sourceId,
      KeyInHeader inHeader,
      String ip) {
    ObjectNode envelope = read.envelope;
    boolean keyFromBody = sourceId == null; // a key in the header was judged before the body
    sourceId = sourceId != null ? sourceId : writeKeys.authenticate(bodyWriteKey(envelope));
    if (sourceId == null) {
      String error = unauthorizedError(inHeader, envelope.has("writeKey"));
      publishRejected(endpoint, null, body, error, "writeKey", 401);
      unauthorized(endpoint, response, error);
      return;
    }
    if (keyFromBody && rateLimited(endpoint, response, sourceId, false)) {
      return;
    }
    List<JsonNode> messages;
    try {
      messages = BatchEnvelope.open(envelope); // an empty batch too, as rollcall normalize does
    } catch (InvalidMessageException e) {
      publishRejected(endpoint, sourceId, body, e.reason(), e.path(), 400);
      ObjectNode error = JsonResponses.error(e.reason());
      error.put("path", e.path());
      reply(endpoint, response, 400, error);
      return;
    }
    limiter.charge(sourceId, messages.size());
    List<LogEntry> entries = new ArrayList<>(messages.size());
    List<FeedEntry.Builder> feedEntries = new ArrayList<>(messages.size());
    ArrayNode rejected = null;
    for (int i = 0; i < messages.size(); i++) {
      Outcome outcome;
      if (read.sizes.get(i) > BodyLimits.MAX_MESSAGE_BYTES) {
        outcome =
            Outcome.rejected(
                "the message is larger than the limit of 32 KB ("
                    + BodyLimits.MAX_MESSAGE_BYTES
                    + " bytes)",
                "");
      } else {
        JsonNode message = messages.get(i) == null ? NullNode.getInstance() : messages.get(i);
        if (message instanceof ObjectNode) {
          ((ObjectNode) message).remove("writeKey");
        }
        outcome = normalizer.normalize(message, null, ip);
      }
      byte[] raw = slice(body, read, i);
      if (outcome.isAccepted()) {
        metrics.accepted(outcome.message().type());
        LogEntry entry = LogEntry.of(sourceId, outcome.message());
        entries.add(entry);
        feedEntries.add(feedEntry(endpoint, entry, raw, outcome));
      } else {
        metrics.rejected(reason(outcome));
        outcome = outcome.under("batch[" + i + "]");
        publishRejected(endpoint, sourceId, raw, outcome.error(), outcome.path(), 400);
        if (rejected == null) {
          rejected = Json.MAPPER.createArrayNode();
        }
        ObjectNode item = rejected.addObject();
        item.put("index", i);
        item.put("error", outcome.error());
        item.put("path", outcome.path());
      }
    }
    if (entries.isEmpty()) {
      ObjectNode error = pathError("no message of the batch is valid; nothing was stored", "batch");
      error.set("rejected", rejected);
      reply(endpoint, response, 400, error);
      return;
    }
    append(endpoint, response, entries, feedEntries, rejected);
  }

  private void append(
      Endpoint endpoint,
      HttpServerResponse response,
      List<LogEntry> entries,
      List<FeedEntry.Builder> feedEntries,
      ArrayNode rejected) {
    Context context = vertx.getOrCreateContext();
    log.append(entries)
        .whenComplete(
            (result, failure) ->
                context.runOnContext(
                    v -> answer(endpoint, response, result, failure, feedEntries, rejected)));
  }

  private void answer(
      Endpoint endpoint,
      HttpServerResponse response,
      AppendResult result,
      Throwable failure,
      List<FeedEntry.Builder> feedEntries,
      ArrayNode rejected) {
    if (failure != null) {
      for (FeedEntry.Builder entry : feedEntries) {
        feed.publish(entry.rejected("not stored: the store cannot take writes now", "", 503));
      }
      Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
      if (cause instanceof StoreUnavailableException
          && ((StoreUnavailableException) cause).overloaded()) {
        metrics.request(endpoint.metricName(), 503);
        JsonResponses.retryLater(
            response, 503, RETRY_AFTER_OVERLOADED, "the server is busy; retry later");
      } else {
        LOG.warn("calls could not be stored: {}", cause.getMessage());
        metrics.request(endpoint.metricName(), 503);
        JsonResponses.retryLater(
            response,
            503,
            RETRY_AFTER_UNAVAILABLE,
            "the store cannot take writes now; retry later");
      }
      return;
    }
    for (FeedEntry.Builder entry : feedEntries) {
      feed.publish(entry);
    }
    metrics.duplicates(result.duplicates());
    metrics.request(endpoint.metricName(), 200);
    if (rejected == null) {
      JsonResponses.success(response);
    } else {
      ObjectNode body = Json.object();
      body.put("success", true);
      body.set("rejected", rejected);
      JsonResponses.send(response, 200, body);
    }
  }

  /**
   * A bug in Rollcall: answered 500 rather than leaving the client without an answer. Logged
   * without the exception's message, which may quote the body (personal data); with it only at
   * DEBUG.
   */
  private void internalError(Endpoint endpoint, HttpServerResponse response, RuntimeException e) {
    LOG.error("internal error on a {} call", endpoint.metricName(), Redacted.of(e));
    LOG.debug("internal error on a {} call", endpoint.metricName(), e);
    if (!response.ended()) {
      reply(
          endpoint,
          response,
          500,
          JsonResponses.error("internal error; the server's log has the details"));
    }
  }

  private void reply(Endpoint endpoint, HttpServerResponse response, int status, ObjectNode body) {
    metrics.request(endpoint.metricName(), status);
    JsonResponses.send(response, status, body);
  }

  private void tooLarge(Endpoint endpoint, HttpServerResponse response, int limit) {
    String what = endpoint.isBatch() ? "a request" : "a message";
    response.putHeader("Connection", "close");
    reply(
        endpoint,
        response,
        413,
        JsonResponses.error(
            "the body is larger than the limit for "
                + what
                + " of "
                + (limit / 1024)
                + " KB ("
                + limit
                + " bytes), after decompression"));
  }

  /**
   * Answers 429 when {@code sourceId} is over its rate limit. Before the body is read (the key was
   * in the header), the connection is closed rather than the body read and thrown away.
   */
  private boolean rateLimited(
      Endpoint endpoint, HttpServerResponse response, String sourceId, boolean bodyUnread) {
    long seconds = limiter.retryAfterSeconds(sourceId);
    if (seconds == 0) {
      return false;
    }
    String error =
        "this write key sends more than its rate limit of "
            + RateLimiter.format(limiter.callsPerSecond())
            + " calls per second; retry after "
            + seconds
            + " s";
    publishRejected(endpoint, sourceId, null, error, "", 429);
    metrics.request(endpoint.metricName(), 429);
    if (bodyUnread) response.putHeader("Connection", "close");
    JsonResponses.retryLater(response, 429, (int) Math.min(seconds, Integer.MAX_VALUE), error);
    return true;
  }

  private void unauthorized(Endpoint endpoint, HttpServerResponse response, String error) {
    response.putHeader("WWW-Authenticate", "Basic realm=\"rollcall\"");
    reply(endpoint, response, 401, JsonResponses.error(error));
  }

  /** What the Authorization header held, for telling a client why its call was refused. */
  enum KeyInHeader {
    /** No Authorization header. */
    ABSENT,
    /**
     * A header that is not HTTP Basic with a user name (Bearer, Digest, bad Base64, an empty name):
     * it may hold the right key, so "unknown" would send the client to check the wrong thing, and
     * "required" would tell it that it sent nothing.
     */
    UNREADABLE,
    /** A user name read from HTTP Basic. */
    GIVEN;

    static KeyInHeader of(String authorization, String basicUser) {
      if (basicUser != null && !basicUser.isEmpty()) return GIVEN;
      return authorization == null ? ABSENT : UNREADABLE;
    }
  }

  private static String unauthorizedError(KeyInHeader inHeader, boolean keyInBody) {
    if (inHeader == KeyInHeader.GIVEN || keyInBody) {
      return "unknown write key";
    }
    if (inHeader == KeyInHeader.UNREADABLE) {
      return "the Authorization header holds no write key: send the write key as the HTTP Basic"
          + " user name, or as \"writeKey\" in the body";
    }
    return "a write key is required: send it as the HTTP Basic user name, or as \"writeKey\" in"
        + " the body";
  }

  /**
   * True when the body has nothing but JSON's whitespace (RFC 8259: space, tab, LF, CR): answered
   * as an empty body, not as a parser's "end of input". Stops at the first other byte, most often
   * the first.
   */
  static boolean isBlank(byte[] body) {
    for (byte b : body) {
      if (b != ' ' && b != '\t' && b != '\n' && b != '\r') return false;
    }
    return true;
  }

  /* ---- the console's feed ---- */

  private static FeedEntry.Builder feedEntry(
      Endpoint endpoint, LogEntry entry, byte[] raw, Outcome outcome) {
    return FeedEntry.builder()
        .receivedAtMillis(entry.receivedAtMillis())
        .endpoint(endpoint.metricName())
        .sourceId(entry.sourceId())
        .message(
            entry.type(),
            outcome.message().userId(),
            outcome.message().anonymousId(),
            entry.messageId(),
            entry.json())
        .raw(raw)
        .warnings(outcome.warnings());
  }

  private void publishRejected(
      Endpoint endpoint, String sourceId, byte[] raw, String error, String path, int status) {
    if (raw != null && raw.length > FEED_RAW_LIMIT) {
      raw = Arrays.copyOf(raw, FEED_RAW_LIMIT);
    }
    feed.publish(
        FeedEntry.builder()
            .receivedAtMillis(clock.millis())
            .endpoint(endpoint.metricName())
            .sourceId(sourceId)
            .type(endpoint.type())
            .raw(raw)
            .rejected(error, path, status));
  }

  /** The bytes of batch item {@code i} as sent, or null when they are over a message's limit. */
  private static byte[] slice(byte[] body, BatchReader.ReadBatch read, int i) {
    int size = read.sizes.get(i);
    if (size > FEED_RAW_LIMIT) return null;
    int start = read.starts.get(i);
    return Arrays.copyOfRange(body, start, start + size);
  }

  private static ObjectNode pathError(String error, String path) {
    ObjectNode body = JsonResponses.error(error);
    body.put("path", path);
    return body;
  }

  /** The rejected field, for the metric's label: the first segment of the path. */
  private static String reason(Outcome outcome) {
    String path = outcome.path();
    int dot = path.indexOf('.');
    String field = dot < 0 ? path : path.substring(0, dot);
    return field.isEmpty() ? "message" : field;
  }

  /** Null when the content type is one Segment's clients send, else why not. */
  static String contentTypeProblem(String contentType) {
    if (contentType == null) {
      return null;
    }
    String mediaType = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    if (mediaType.isEmpty()
        || mediaType.equals("application/json")
        || mediaType.equals("text/plain") // analytics.js, to avoid a CORS preflight
        || mediaType.endsWith("+json")) {
      return null;
    }
    return "Content-Type must be application/json (or text/plain), not " + mediaType;
  }

  /** The user name of an HTTP Basic header, which Segment's clients set to the write key. */
  static String basicAuthUser(String authorization) {
    if (authorization == null
        || authorization.length() < 6
        || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
      return null;
    }
    try {
      String decoded =
          new String(
              Base64.getDecoder().decode(authorization.substring(6).trim()),
              StandardCharsets.UTF_8);
      int colon = decoded.indexOf(':');
      return colon < 0 ? decoded : decoded.substring(0, colon);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static String bodyWriteKey(ObjectNode body) {
    JsonNode key = body.get("writeKey");
    return key != null && key.isTextual() ? key.textValue() : null;
  }

  /** The parser's complaint without the excerpt of the body it may quote. */
  private static String jsonProblem(java.io.IOException e) {
    if (e instanceof com.fasterxml.jackson.core.JsonProcessingException) {
      String message =
          ((com.fasterxml.jackson.core.JsonProcessingException) e).getOriginalMessage();
      return message == null ? "unreadable" : message.split("\n", 2)[0];
    }
    return e.getMessage();
  }
}
