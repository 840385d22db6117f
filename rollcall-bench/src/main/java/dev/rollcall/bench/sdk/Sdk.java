package dev.rollcall.bench.sdk;

import com.segment.analytics.Analytics;
import com.segment.analytics.messages.IdentifyMessage;
import com.segment.analytics.messages.Message;
import dev.rollcall.client.Callback;
import dev.rollcall.client.DeliveryException;
import dev.rollcall.client.Rollcall;
import java.net.URI;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The two SDKs behind one face, each used as its README shows and with its defaults: {@code
 * rollcall.identify(userId, traits)}, and Segment's {@code
 * analytics.enqueue(IdentifyMessage.builder().userId(userId).traits(traits))}. A third, {@code
 * segment-nodelay}, is Segment's library given an OkHttp client whose sockets set {@code
 * TCP_NODELAY}: its default sockets leave Nagle's algorithm on, and each request's last segment
 * waits for the server's delayed ACK (about 40 ms on Linux), which is most of its time on a local
 * server; the variant shows the library without that wait.
 */
abstract class Sdk implements AutoCloseable {
  /** Hears each message's outcome: true when acknowledged, false when failed. */
  protected volatile Consumer<Boolean> outcome = ok -> {};

  static Sdk open(String name, String url, String writeKey) {
    switch (name) {
      case "rollcall":
        return new RollcallSdk(url, writeKey);
      case "segment":
        return new SegmentSdk(url, writeKey, null);
      case "segment-nodelay":
        return new SegmentSdk(url, writeKey, NoDelaySockets.client());
      default:
        throw new IllegalArgumentException(
            "--client rollcall, segment or segment-nodelay, not " + name);
    }
  }

  void onOutcome(Consumer<Boolean> outcome) {
    this.outcome = outcome;
  }

  abstract void identify(String userId, Map<String, Object> traits);

  /** Asks for what is queued to be sent now (it may return before it is acknowledged). */
  abstract void flush();

  @Override
  public abstract void close();

  private static final class RollcallSdk extends Sdk {
    private final Rollcall rollcall;

    RollcallSdk(String url, String writeKey) {
      Rollcall.Builder builder = Rollcall.builder(writeKey);
      if (System.getProperty("bench.flushAt") != null) {
        builder.flushAt(Integer.getInteger("bench.flushAt"));
      }
      if (System.getProperty("bench.maxInFlight") != null) {
        builder.maxInFlight(Integer.getInteger("bench.maxInFlight"));
      }
      rollcall =
          builder
              .endpoint(URI.create(url))
              .callback(
                  new Callback() {
                    @Override
                    public void success(dev.rollcall.client.Message message) {
                      outcome.accept(true);
                    }

                    @Override
                    public void failure(
                        dev.rollcall.client.Message message, DeliveryException error) {
                      System.err.println("rollcall-client: " + error.getMessage());
                      outcome.accept(false);
                    }
                  })
              .build();
    }

    @Override
    void identify(String userId, Map<String, Object> traits) {
      rollcall.identify(userId, traits);
    }

    @Override
    void flush() {
      rollcall.flush();
    }

    @Override
    public void close() {
      rollcall.close();
    }
  }

  private static final class SegmentSdk extends Sdk {
    private final Analytics analytics;

    /**
     * @param http null for the library's default OkHttp client, else the client to use
     */
    SegmentSdk(String url, String writeKey, okhttp3.OkHttpClient http) {
      Analytics.Builder builder = Analytics.builder(writeKey);
      if (http != null) {
        builder.client(http);
      }
      analytics =
          builder
              .endpoint(url)
              .callback(
                  new com.segment.analytics.Callback() {
                    @Override
                    public void success(Message message) {
                      outcome.accept(true);
                    }

                    @Override
                    public void failure(Message message, Throwable throwable) {
                      System.err.println("analytics-java: " + throwable);
                      outcome.accept(false);
                    }
                  })
              .build();
    }

    @Override
    void identify(String userId, Map<String, Object> traits) {
      analytics.enqueue(IdentifyMessage.builder().userId(userId).traits(traits));
    }

    @Override
    void flush() {
      analytics.flush();
    }

    @Override
    public void close() {
      analytics.shutdown();
    }
  }
}
