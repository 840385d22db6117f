package dev.rollcall.bench.destination;

import dev.rollcall.Message;
import dev.rollcall.destination.Destination;
import dev.rollcall.destination.DestinationRequest;
import dev.rollcall.destination.DestinationSettings;
import dev.rollcall.destination.Destinations;
import dev.rollcall.internal.Json;
import dev.rollcall.spec.MessageNormalizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A normalized identify (the spec's complete example) → the destination's request(s), bodies
 * serialized to the bytes that go on the wire, on one thread (so the figure is per core).
 *
 * <p>Run: {@code java -jar rollcall-bench/target/benchmarks.jar DestinationBenchmark}. Aim: at
 * least 200,000 per second for every adapter.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(1)
public class DestinationBenchmark {
  static final String COMPLETE_EXAMPLE =
      "{\"anonymousId\": \"507f191e810c19729de860ea\", \"channel\": \"browser\","
          + " \"context\": {\"ip\": \"8.8.8.8\", \"userAgent\": \"Mozilla/5.0 (Macintosh; Intel Mac"
          + " OS X 10_9_5) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/40.0.2214.115"
          + " Safari/537.36\"},"
          + " \"messageId\": \"022bb90c-bbac-11e4-8dfc-aa07a5b093db\","
          + " \"sentAt\": \"2015-02-23T22:28:55.111Z\","
          + " \"timestamp\": \"2015-02-23T22:28:55.111Z\","
          + " \"traits\": {\"name\": \"Peter Gibbons\", \"email\": \"peter@initech.com\","
          + " \"plan\": \"premium\", \"logins\": 5, \"createdAt\": 1424730535,"
          + " \"address\": {\"street\": \"6th St\", \"city\": \"San Francisco\", \"state\": \"CA\","
          + " \"postalCode\": \"94103\", \"country\": \"USA\"}},"
          + " \"type\": \"identify\", \"userId\": \"97980cfea0067\", \"version\": \"1.1\"}";

  @Param({
    "mixpanel",
    "intercom",
    "mailchimp",
    "salesforce",
    "hubspot",
    "customerio",
    "amplitude",
    "webhook"
  })
  public String destination;

  private Destination adapter;
  private DestinationSettings settings;
  private Message identify;

  @Setup
  public void setUp() throws IOException {
    adapter = Destinations.find(destination);
    settings = DestinationSettings.of(settingsFor(destination), null);
    identify =
        new MessageNormalizer(Clock.systemUTC())
            .normalize(Json.read(COMPLETE_EXAMPLE.getBytes(StandardCharsets.UTF_8)), null, null)
            .message();
  }

  @Benchmark
  public int plan() {
    int bytes = 0;
    for (DestinationRequest request : adapter.plan(identify, settings).requests()) {
      bytes += request.bodyBytes().length;
    }
    return bytes;
  }

  /** Credentials and a base URL on this machine, for each adapter. */
  public static Map<String, String> settingsFor(String name) {
    String base = "http://127.0.0.1:1";
    return switch (name) {
      case "mixpanel" -> Map.of("token", "mp-token", "baseUrl", base);
      case "intercom", "hubspot" -> Map.of("accessToken", "token", "baseUrl", base);
      case "mailchimp" -> Map.of("apiKey", "key-us6", "listId", "list1", "baseUrl", base);
      case "salesforce" -> Map.of("instanceUrl", base, "accessToken", "token");
      case "customerio" -> Map.of("siteId", "site", "apiKey", "key", "baseUrl", base);
      case "amplitude" -> Map.of("apiKey", "key", "baseUrl", base);
      case "webhook" -> Map.of("url", base + "/hook", "secret", "s3cret");
      default -> throw new IllegalArgumentException("no settings for " + name);
    };
  }
}
