package dev.rollcall.server.console;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.destination.delivery.DestinationConfig;
import dev.rollcall.internal.Json;
import dev.rollcall.server.http.JsonResponses;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * The live debugger's feed over HTTP, behind the admin token.
 *
 * <p>{@code GET /v1/calls/stream} is a server-sent event stream ({@code text/event-stream}):
 *
 * <pre>
 * event: hello            data: {"capacity": 500, "last": 42}
 * id: 43 / event: call    data: {...one call, see FeedJson...}
 * event: dropped          data: {"dropped": 12, "reason": "..."}
 * : keep-alive            (a comment, every 15 s when nothing else was sent)
 * </pre>
 *
 * It starts with up to {@code backlog} recent calls (default 50), or with the calls after {@code
 * Last-Event-ID} when the browser reconnects. Optional filters: {@code type}, {@code source}, and
 * {@code id} (a userId, anonymousId or messageId).
 *
 * <p>Each stream polls the {@link CallFeed} every {@value #POLL_MILLIS} ms on its own event loop,
 * so the collector never waits for it. A client that reads slowly fills its connection's write
 * queue (bounded at {@value #WRITE_QUEUE_BYTES} bytes); while it is full the stream sends nothing,
 * and once the client catches up it gets a {@code dropped} event counting the calls it did not get:
 * those the ring overwrote meanwhile, and those skipped because the queue was full. Memory per
 * client is that queue plus at most one call, whatever the rate of calls.
 *
 * <p>{@code GET /v1/calls/recent?limit=N} answers {@code {"capacity", "last", "calls": [newest
 * first]}} with the same documents, for scripts and tests.
 */
public final class CallStream {
  /** How often a stream looks for new calls, in milliseconds. */
  static final long POLL_MILLIS = 200;

  /** A comment is sent after this long without events, so proxies keep the stream open (ms). */
  static final long KEEP_ALIVE_MILLIS = 15_000;

  /** Bytes a slow client may have waiting in its connection before its stream pauses. */
  static final int WRITE_QUEUE_BYTES = 256 * 1024;

  /** Calls sent per poll at most, so one poll cannot hold the event loop for long. */
  static final int MAX_PER_POLL = 200;

  static final int DEFAULT_BACKLOG = 50;

  private final CallFeed feed;
  private final List<DestinationConfig> destinations;

  /**
   * @param destinations the configured destinations, for each call's {@code routedTo}
   */
  public CallStream(CallFeed feed, List<DestinationConfig> destinations) {
    this.feed = feed;
    this.destinations = List.copyOf(destinations);
  }

  public void recent(RoutingContext ctx) {
    int limit = intParam(ctx, "limit", DEFAULT_BACKLOG);
    if (limit < 0) return;
    CallFeed.Page page = feed.since(0, limit);
    ObjectNode body = Json.object();
    body.put("capacity", feed.capacity());
    body.put("last", page.cursor());
    ArrayNode calls = body.putArray("calls");
    for (int i = page.entries().size() - 1; i >= 0; i--) {
      calls.add(FeedJson.of(page.entries().get(i), destinations));
    }
    JsonResponses.send(ctx.response(), 200, body);
  }

  public void stream(RoutingContext ctx) {
    int backlog = intParam(ctx, "backlog", DEFAULT_BACKLOG);
    if (backlog < 0) return;
    Filter filter =
        new Filter(
            ctx.request().getParam("type"),
            ctx.request().getParam("source"),
            ctx.request().getParam("id"));
    long cursor = Math.max(0, feed.last() - backlog);
    String lastEventId = ctx.request().getHeader("Last-Event-ID");
    if (lastEventId != null) {
      try {
        cursor = Math.max(0, Long.parseLong(lastEventId.trim()));
      } catch (NumberFormatException ignored) {
        // a stranger's id: start as a new stream does
      }
    }
    HttpServerResponse response = ctx.response();
    response
        .setChunked(true)
        .putHeader("Content-Type", "text/event-stream; charset=utf-8")
        .putHeader("Cache-Control", "no-store")
        .putHeader("X-Accel-Buffering", "no");
    response.setWriteQueueMaxSize(WRITE_QUEUE_BYTES);
    ObjectNode hello = Json.object();
    hello.put("capacity", feed.capacity());
    hello.put("last", feed.last());
    response.write("retry: 3000\n\nevent: hello\ndata: " + Json.writeString(hello) + "\n\n");
    new Subscriber(ctx.vertx(), response, filter, cursor).start();
  }

  /** One open stream: its cursor in the feed, its timer. */
  private final class Subscriber {
    private final Vertx vertx;
    private final HttpServerResponse response;
    private final Filter filter;
    private long cursor;
    private long timer;
    private long quietMillis;
    private long dropped;

    Subscriber(Vertx vertx, HttpServerResponse response, Filter filter, long cursor) {
      this.vertx = vertx;
      this.response = response;
      this.filter = filter;
      this.cursor = cursor;
    }

    void start() {
      timer = vertx.setPeriodic(1, POLL_MILLIS, id -> poll());
      response.closeHandler(v -> vertx.cancelTimer(timer));
      response.exceptionHandler(e -> vertx.cancelTimer(timer));
    }

    private void poll() {
      if (response.closed() || response.ended()) {
        vertx.cancelTimer(timer);
        return;
      }
      if (response.writeQueueFull()) {
        return; // a slow client: send nothing now; what the ring overwrites is counted later
      }
      CallFeed.Page page = feed.since(cursor, MAX_PER_POLL);
      cursor = page.cursor();
      dropped += page.missed();
      boolean wrote = false;
      if (dropped > 0) {
        ObjectNode notice = Json.object();
        notice.put("dropped", dropped);
        notice.put(
            "reason",
            "this stream fell behind: the server keeps the newest "
                + feed.capacity()
                + " calls for the debugger; the calls not shown were handled all the same");
        response.write("event: dropped\ndata: " + Json.writeString(notice) + "\n\n");
        dropped = 0;
        wrote = true;
      }
      for (FeedEntry entry : page.entries()) {
        if (!filter.matches(entry)) continue;
        if (response.writeQueueFull()) {
          dropped++; // told in the next poll that finds the client keeping up
          continue;
        }
        Buffer out = Buffer.buffer();
        out.appendString("id: " + entry.seq() + "\nevent: call\ndata: ");
        out.appendBytes(Json.write(FeedJson.of(entry, destinations)));
        out.appendString("\n\n");
        response.write(out);
        wrote = true;
      }
      if (wrote) {
        quietMillis = 0;
      } else if ((quietMillis += POLL_MILLIS) >= KEEP_ALIVE_MILLIS) {
        quietMillis = 0;
        response.write(": keep-alive\n\n");
      }
    }
  }

  /** The stream's filters; an absent one matches everything. */
  record Filter(String type, String source, String id) {
    boolean matches(FeedEntry entry) {
      if (type != null
          && !type.isEmpty()
          && (entry.type() == null || !entry.type().wireName().equalsIgnoreCase(type))) {
        return false;
      }
      if (source != null && !source.isEmpty() && !source.equals(entry.sourceId())) {
        return false;
      }
      return id == null
          || id.isEmpty()
          || id.equals(entry.userId())
          || id.equals(entry.anonymousId())
          || id.equals(entry.messageId());
    }
  }

  /** The parameter as a whole number from 0 to the feed's capacity; -1 after answering 400. */
  private int intParam(RoutingContext ctx, String name, int fallback) {
    String value = ctx.request().getParam(name);
    if (value == null) return Math.min(fallback, feed.capacity());
    try {
      int parsed = Integer.parseInt(value);
      if (parsed >= 0 && parsed <= feed.capacity()) return parsed;
    } catch (NumberFormatException ignored) {
      // answered below
    }
    JsonResponses.error(
        ctx.response(), 400, name + " must be a whole number from 0 to " + feed.capacity());
    return -1;
  }
}
