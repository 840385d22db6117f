package dev.rollcall.bench;

import dev.rollcall.MessageType;
import dev.rollcall.internal.Json;
import dev.rollcall.spec.MessageNormalizer;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * {@link NormalizeBenchmark}'s work measured in CPU time instead of wall-clock time: parse +
 * validate + enrich + normalize + serialize the spec's complete example (and its snake_case
 * variant), on one thread, in rounds of half a second; prints the CPU time per message of the best
 * and the median round, and what the best means in messages per second on a core of its own.
 *
 * <p>On a shared or virtual machine the wall-clock figures of JMH move by 20–50% from run to run
 * when other work takes the core away; the thread's own CPU time does not count that, so it is the
 * steadier figure to compare two versions by.
 *
 * <p>Run: {@code java -cp rollcall-bench/target/benchmarks.jar dev.rollcall.bench.NormalizeCpu
 * [rounds, default 20]}. The first third of the rounds are warm-up and not counted.
 */
public final class NormalizeCpu {
  /** Length of one round (ns). */
  private static final long ROUND_NANOS = 500_000_000L;

  private NormalizeCpu() {}

  public static void main(String[] args) throws IOException {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    MessageNormalizer normalizer = new MessageNormalizer(Clock.systemUTC());
    String[] names = {"spec-complete-example.json", "spec-complete-example-snake-case.json"};
    byte[][] bodies = new byte[names.length][];
    List<List<Double>> micros = new ArrayList<>();
    for (int i = 0; i < names.length; i++) {
      bodies[i] = resource(names[i]);
      micros.add(new ArrayList<>());
    }
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long written = 0; // every result's length, so that the JIT cannot drop the work
    for (int round = 0; round < rounds; round++) {
      for (int i = 0; i < bodies.length; i++) { // the examples take turns, round by round
        long cpuStart = threads.getCurrentThreadCpuTime();
        long wallStart = System.nanoTime();
        long messages = 0;
        while (System.nanoTime() - wallStart < ROUND_NANOS) {
          for (int k = 0; k < 1_000; k++) {
            written +=
                normalizer
                    .normalize(Json.read(bodies[i]), MessageType.IDENTIFY, "203.0.113.7")
                    .message()
                    .toJson()
                    .length;
          }
          messages += 1_000;
        }
        if (round >= rounds / 3) {
          micros.get(i).add((threads.getCurrentThreadCpuTime() - cpuStart) / 1_000.0 / messages);
        }
      }
    }
    for (int i = 0; i < names.length; i++) {
      List<Double> sorted = micros.get(i);
      Collections.sort(sorted);
      double best = sorted.get(0);
      System.out.printf(
          "%s: CPU per message %.2f µs (best round), %.2f µs (median of %d rounds of 0.5 s);"
              + " %,.0f messages/s on a core of its own%n",
          names[i], best, sorted.get(sorted.size() / 2), sorted.size(), 1e6 / best);
    }
    if (written == 42) System.out.println(); // never: keeps `written` alive
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = NormalizeCpu.class.getResourceAsStream(name)) {
      return in.readAllBytes();
    }
  }
}
