package dev.rollcall.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs npm and node for the tests that use Segment's own JavaScript libraries, through npm's
 * ordinary configuration; {@code .ci/run} installs them when a machine lacks them.
 */
public final class Npm {
  private Npm() {}

  /**
   * Runs {@code command} in {@code dir} and returns its standard output; its standard error goes to
   * the test's. Fails when it exits with an error or takes longer than {@code timeoutSeconds}.
   */
  public static String run(Path dir, List<String> command, int timeoutSeconds)
      throws IOException, InterruptedException {
    Path output = Files.createTempFile("rollcall-npm-", ".out");
    try {
      Process process =
          new ProcessBuilder(command)
              .directory(dir.toFile())
              .redirectOutput(output.toFile())
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(command + " did not finish in " + timeoutSeconds + " s");
      }
      String out = Files.readString(output);
      if (process.exitValue() != 0) {
        throw new IllegalStateException(command + " failed (" + process.exitValue() + "): " + out);
      }
      return out;
    } finally {
      Files.deleteIfExists(output);
    }
  }
}
