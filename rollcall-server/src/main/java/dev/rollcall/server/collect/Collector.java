package dev.rollcall.server.collect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.internal.Json;
import dev.rollcall.server.config.WriteKeys;
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
import java.util.ArrayList;
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
 * message, or a batch with nothing valid, is a 400 naming the field and the reason. Over a limit:
 * 413. A store that cannot write, or is overloaded: 503 with {@code Retry-After}. Write keys and
 * message contents are never logged.
 */
public final class Collector implements Handler<HttpServerRequest> {
  private static final Logger LOG = LoggerFactory.getLogger(Collector.class);

  /** Seconds a client should wait after a 503 for overload, and after one for a failing store. */
  private static final int RETRY_AFTER_OVERLOADED = 1;

  private static final int RETRY_AFTER_UNAVAILABLE = 5;

  private final Vertx vertx;
  private final WriteKeys writeKeys;
  private final MessageNormalizer normalizer;
  private final EventLog log;
  private final CollectorMetrics metrics;

  public Collector(
      Vertx vertx,
      WriteKeys writeKeys,
      MessageNormalizer normalizer,
      EventLog log,
      CollectorMetrics metrics) {
    this.vertx = vertx;
    this.writeKeys = writeKeys;
    this.normalizer = normalizer;
    this.log = log;
    this.metrics = metrics;
  }

  @Override
  public void handle(HttpServerRequest request) {
    Endpoint endpoint = Endpoint.of(request.path());
    HttpServerResponse response = request.response();
    if (endpoint == null) {
      JsonResponses.error(response, 404, "no tracking endpoint at " + request.path());
      return;
    }
    String contentTypeProblem = contentTypeProblem(request.getHeader("Content-Type"));
    if (contentTypeProblem != null) {
      reply(endpoint, response, 415, JsonResponses.error(contentTypeProblem));
      return;
    }
    String encoding = request.getHeader("Content-Encoding");
    boolean gzip = encoding != null && encoding.trim().equalsIgnoreCase("gzip");
    if (encoding != null && !gzip && !encoding.trim().equalsIgnoreCase("identity")) {
      reply(
          endpoint,
          response,
          415,
          JsonResponses.error("Content-Encoding must be gzip or absent, not " + encoding));
      return;
    }
    int limit = endpoint.isBatch() ? BodyLimits.MAX_REQUEST_BYTES : BodyLimits.MAX_MESSAGE_BYTES;
    Buffer body = Buffer.buffer();
    boolean[] tooLarge = {false};
    request.handler(
        chunk -> {
          if (tooLarge[0]) {
            return;
          }
          if (body.length() + chunk.length() > limit) {
            tooLarge[0] = true;
            tooLarge(endpoint, response, limit);
            request.connection().close();
            return;
          }
          body.appendBuffer(chunk);
        });
    request.endHandler(
        end -> {
          if (!tooLarge[0]) {
            metrics.bodyBytes(body.length());
            take(request, endpoint, body.getBytes(), gzip, limit);
          }
        });
    request.exceptionHandler(e -> LOG.debug("request failed while reading: {}", e.toString()));
    request.resume();
  }

  private void take(
      HttpServerRequest request, Endpoint endpoint, byte[] body, boolean gzip, int limit) {
    HttpServerResponse response = request.response();
    if (gzip) {
      try {
        body = Bodies.gunzip(body, limit);
      } catch (Bodies.TooLargeException e) {
        tooLarge(endpoint, response, limit);
        return;
      } catch (DataFormatException e) {
        reply(
            endpoint,
            response,
            400,
            JsonResponses.error("the body is not valid gzip: " + e.getMessage()));
        return;
      }
    }
    if (body.length == 0) {
      reply(endpoint, response, 400, JsonResponses.error("the body is empty; send a JSON object"));
      return;
    }
    String headerKey = basicAuthUser(request.getHeader("Authorization"));
    String sourceId = writeKeys.authenticate(headerKey);
    String ip = request.remoteAddress() == null ? null : request.remoteAddress().hostAddress();
    try {
      if (endpoint.isBatch()) {
        takeBatch(endpoint, response, BatchReader.read(body), sourceId, headerKey != null, ip);
      } else {
        takeOne(endpoint, response, Json.read(body), sourceId, headerKey != null, ip);
      }
    } catch (java.io.IOException e) {
      reply(
          endpoint,
          response,
          400,
          JsonResponses.error("the body is not a JSON object: " + jsonProblem(e)));
    }
  }

  private void takeOne(
      Endpoint endpoint,
      HttpServerResponse response,
      JsonNode body,
      String sourceId,
      boolean headerKeyGiven,
      String ip) {
    if (!(body instanceof ObjectNode)) {
      reply(endpoint, response, 400, JsonResponses.error("the body must be a JSON object"));
      return;
    }
    ObjectNode message = (ObjectNode) body;
    sourceId = sourceId != null ? sourceId : writeKeys.authenticate(bodyWriteKey(message));
    if (sourceId == null) {
      unauthorized(endpoint, response, headerKeyGiven || message.has("writeKey"));
      return;
    }
    message.remove("writeKey");
    Outcome outcome = normalizer.normalize(message, endpoint.type(), ip);
    if (!outcome.isAccepted()) {
      metrics.rejected(reason(outcome));
      ObjectNode error = JsonResponses.error(outcome.error());
      error.put("path", outcome.path());
      reply(endpoint, response, 400, error);
      return;
    }
    metrics.accepted(outcome.message().type());
    append(endpoint, response, List.of(LogEntry.of(sourceId, outcome.message())), null);
  }

  private void takeBatch(
      Endpoint endpoint,
      HttpServerResponse response,
      BatchReader.ReadBatch read,
      String sourceId,
      boolean headerKeyGiven,
      String ip) {
    ObjectNode envelope = read.envelope;
    sourceId = sourceId != null ? sourceId : writeKeys.authenticate(bodyWriteKey(envelope));
    if (sourceId == null) {
      unauthorized(endpoint, response, headerKeyGiven || envelope.has("writeKey"));
      return;
    }
    List<JsonNode> messages;
    try {
      messages = BatchEnvelope.open(envelope);
    } catch (InvalidMessageException e) {
      ObjectNode error = JsonResponses.error(e.reason());
      error.put("path", e.path());
      reply(endpoint, response, 400, error);
      return;
    }
    if (messages.isEmpty()) {
      reply(endpoint, response, 400, pathError("the batch is empty", "batch"));
      return;
    }
    List<LogEntry> entries = new ArrayList<>(messages.size());
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
      if (outcome.isAccepted()) {
        metrics.accepted(outcome.message().type());
        entries.add(LogEntry.of(sourceId, outcome.message()));
      } else {
        metrics.rejected(reason(outcome));
        outcome = outcome.under("batch[" + i + "]");
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
      ObjectNode error =
          JsonResponses.error("no message of the batch is valid; nothing was stored");
      error.set("rejected", rejected);
      reply(endpoint, response, 400, error);
      return;
    }
    append(endpoint, response, entries, rejected);
  }

  private void append(
      Endpoint endpoint, HttpServerResponse response, List<LogEntry> entries, ArrayNode rejected) {
    Context context = vertx.getOrCreateContext();
    log.append(entries)
        .whenComplete(
            (result, failure) ->
                context.runOnContext(v -> answer(endpoint, response, result, failure, rejected)));
  }

  private void answer(
      Endpoint endpoint,
      HttpServerResponse response,
      AppendResult result,
      Throwable failure,
      ArrayNode rejected) {
    if (failure != null) {
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

  private void unauthorized(Endpoint endpoint, HttpServerResponse response, boolean keyGiven) {
    response.putHeader("WWW-Authenticate", "Basic realm=\"rollcall\"");
    reply(
        endpoint,
        response,
        401,
        JsonResponses.error(
            keyGiven
                ? "unknown write key"
                : "a write key is required: send it as the HTTP Basic user name, or as \"writeKey\" in the body"));
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
