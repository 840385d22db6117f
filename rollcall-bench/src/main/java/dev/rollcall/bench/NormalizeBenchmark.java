package dev.rollcall.bench;

import dev.rollcall.MessageType;
import dev.rollcall.internal.Json;
import dev.rollcall.spec.MessageNormalizer;
import dev.rollcall.spec.Outcome;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The spec core's cost per message: parse the spec's complete example, validate, enrich, normalize
 * its traits, and serialize the result, on one thread.
 *
 * <p>Run: {@code java -jar rollcall-bench/target/benchmarks.jar NormalizeBenchmark}. The {@code
 * snakeCase} variant sends the reserved traits in snake_case, so renaming is measured too.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(1)
public class NormalizeBenchmark {
  private final MessageNormalizer normalizer = new MessageNormalizer(Clock.systemUTC());
  private byte[] completeExample;
  private byte[] snakeCaseExample;

  @Setup
  public void load() throws IOException {
    completeExample = resource("spec-complete-example.json");
    snakeCaseExample = resource("spec-complete-example-snake-case.json");
  }

  @Benchmark
  public byte[] completeExample() throws IOException {
    return roundTrip(completeExample);
  }

  @Benchmark
  public byte[] snakeCase() throws IOException {
    return roundTrip(snakeCaseExample);
  }

  private byte[] roundTrip(byte[] body) throws IOException {
    Outcome outcome = normalizer.normalize(Json.read(body), MessageType.IDENTIFY, "203.0.113.7");
    return outcome.message().toJson();
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = NormalizeBenchmark.class.getResourceAsStream(name)) {
      return in.readAllBytes();
    }
  }
}
