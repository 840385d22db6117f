package dev.rollcall.server.console;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rollcall.internal.Json;
import dev.rollcall.server.Npm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Segment's browser library as its authors publish it: {@code @segment/analytics-next} taken from
 * the npm registry with npm ({@code npm pack}, through npm's ordinary configuration), checked
 * against the integrity npm recorded for the pinned version, and unpacked under {@code
 * target/analytics-next}. Nothing of it is committed. Later runs reuse the unpacked copy.
 */
final class AnalyticsNextPackage {
  static final String NAME = "@segment/analytics-next";
  static final String VERSION = "1.84.3";

  /** The registry's integrity for {@link #VERSION}: a changed tarball fails the test. */
  static final String INTEGRITY =
      "sha512-5l7cPBzScxhfJ0zdcKQI4daDvMIWWUk7hClT1xGRelnHUltIEoQ9w8+ZpFPoWJMpX8D7IA1nVAfJbpiKi3XaKw==";

  static final Path DIR = Path.of("target", "analytics-next");

  private AnalyticsNextPackage() {}

  /** The unpacked package directory (holding {@code dist/umd}), fetched first if need be. */
  static synchronized Path ensure() throws IOException, InterruptedException {
    Path unpacked = DIR.resolve(VERSION).resolve("package");
    if (Files.isRegularFile(unpacked.resolve("dist/umd/index.js"))) {
      return unpacked.toAbsolutePath();
    }
    Path work = Files.createDirectories(DIR.resolve(VERSION));
    String packed =
        Npm.run(work, List.of("npm", "pack", NAME + "@" + VERSION, "--json", "--silent"), 300);
    JsonNode result = Json.read(packed.substring(packed.indexOf('[')).getBytes());
    String integrity = result.get(0).get("integrity").asText();
    String filename = result.get(0).get("filename").asText();
    if (!INTEGRITY.equals(integrity)) {
      throw new IllegalStateException(
          "npm gave "
              + NAME
              + "@"
              + VERSION
              + " with integrity "
              + integrity
              + ", not "
              + INTEGRITY);
    }
    Npm.run(work, List.of("tar", "-xzf", filename), 120);
    Files.delete(work.resolve(filename));
    if (!Files.isRegularFile(unpacked.resolve("dist/umd/index.js"))) {
      throw new IllegalStateException("the package has no dist/umd/index.js in " + unpacked);
    }
    return unpacked.toAbsolutePath();
  }
}
