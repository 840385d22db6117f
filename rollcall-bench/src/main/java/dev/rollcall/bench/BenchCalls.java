package dev.rollcall.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.internal.Json;
import dev.rollcall.spec.MessageNormalizer;
import dev.rollcall.storage.LogEntry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/** Identify calls for the processor benchmarks, normalized as the collector would. */
public final class BenchCalls {
  private BenchCalls() {}

  /**
   * {@code calls} identify calls of {@code people} people, in batches of 100: each person's first
   * round is an anonymous visitor's, the second joins that visitor to a user, the third is the
   * user's alone, and so on.
   */
  public static List<List<LogEntry>> identifyBatches(int calls, int people) {
    MessageNormalizer normalizer = new MessageNormalizer(Clock.systemUTC());
    List<List<LogEntry>> batches = new ArrayList<>();
    List<LogEntry> batch = new ArrayList<>(100);
    for (int i = 0; i < calls; i++) {
      int person = i % people;
      int shape = (i / people) % 3;
      String ids =
          shape == 0
              ? "\"anonymousId\":\"anon-" + person + "\""
              : shape == 1
                  ? "\"userId\":\"user-" + person + "\",\"anonymousId\":\"anon-" + person + "\""
                  : "\"userId\":\"user-" + person + "\"";
      String json =
          "{\"type\":\"identify\","
              + ids
              + ",\"traits\":{\"name\":\"Peter Gibbons\",\"email\":\"p"
              + person
              + "@initech.com\",\"plan\":\"premium\",\"logins\":"
              + i
              + ",\"address\":{\"street\":\"6th St\",\"city\":\"San Francisco\",\"state\":\"CA\","
              + "\"postalCode\":\"94103\",\"country\":\"USA\"}}}";
      try {
        ObjectNode node = (ObjectNode) Json.read(json.getBytes(StandardCharsets.UTF_8));
        batch.add(
            LogEntry.of("src_bench", normalizer.normalize(node, null, "127.0.0.1").message()));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      if (batch.size() == 100) {
        batches.add(batch);
        batch = new ArrayList<>(100);
      }
    }
    if (!batch.isEmpty()) batches.add(batch);
    return batches;
  }
}
