package dev.rollcall.server.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rollcall.internal.Json;
import dev.rollcall.server.RollcallServer;
import dev.rollcall.server.config.ServerConfig;
import dev.rollcall.storage.LogEntry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk: the data directory is on a small tmpfs (mounted by the test; the tests run as root,
 * as {@code .ci/run} does), filled to the last byte by a filler file while the server runs. Writes
 * are refused with {@code 503} and {@code Retry-After}, never a 5xx of another kind nor a lost
 * acknowledgement; {@code /health} keeps answering and says the log is down; when the filler is
 * deleted the server takes writes again, without a restart; and after a restart every call it
 * acknowledged is in the log.
 */
final class FullDiskTest {
  private static final String WRITE_KEY = "full-disk-key";
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path dir;
  private Path mount;
  private RollcallServer server;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void mountSmallDisk() throws Exception {
    mount = dir.resolve("disk");
    Files.createDirectories(mount);
    run("mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", mount.toString());
  }

  @AfterEach
  void unmount() throws Exception {
    if (server != null) server.close();
    run("umount", "-l", mount.toString());
  }

  @Test
  void fullDisk_503WithRetryAfter_healthAnswers_recoversWhenSpaceReturns_nothingLost()
      throws Exception {
    Path data = mount.resolve("data");
    start(data);
    Set<String> acknowledged = new HashSet<>();
    for (int i = 0; i < 50; i++) {
      assertThat(identify("before-" + i).statusCode()).isEqualTo(200);
      acknowledged.add("before-" + i);
    }

    Path filler = mount.resolve("filler");
    fill(filler);
    List<Integer> statuses = new ArrayList<>();
    boolean refused = false;
    for (int i = 0; i < 2_000 && !refused; i++) {
      HttpResponse<String> response = identify("during-" + i);
      statuses.add(response.statusCode());
      if (response.statusCode() == 200) {
        acknowledged.add("during-" + i); // the log had room left in pages it already held
      } else {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
        assertThat(response.headers().firstValue("Retry-After")).isPresent();
        assertThat(response.body()).contains("retry later");
        refused = true;
      }
    }
    assertThat(refused).as("a write refused once the disk is full; answers %s", statuses).isTrue();
    HttpResponse<String> health = get("/health");
    assertThat(health.statusCode()).isIn(200, 503);
    assertThat(Json.read(health.body().getBytes(StandardCharsets.UTF_8)).has("log")).isTrue();

    Files.delete(filler);
    long deadline = System.nanoTime() + WAIT.toNanos();
    int after = 0;
    while (true) {
      HttpResponse<String> response = identify("after-" + after);
      if (response.statusCode() == 200) {
        acknowledged.add("after-" + after);
        break;
      }
      assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
      assertThat(System.nanoTime()).as("writes taken again within %s", WAIT).isLessThan(deadline);
      after++;
      Thread.sleep(200);
    }
    for (int i = 1; i <= 20; i++) {
      assertThat(identify("after-more-" + i).statusCode()).isEqualTo(200);
      acknowledged.add("after-more-" + i);
    }

    server.close();
    server = null;
    start(data);
    Set<String> stored = new HashSet<>();
    long offset = 0;
    while (true) {
      List<LogEntry> page = server.eventLog().read(offset, 10_000);
      if (page.isEmpty()) break;
      page.forEach(entry -> stored.add(entry.messageId()));
      offset = page.get(page.size() - 1).offset();
    }
    assertThat(stored).containsAll(acknowledged);
  }

  private void start(Path data) throws Exception {
    server =
        RollcallServer.start(
            ServerConfig.builder()
                .port(0)
                .dataDir(data)
                .writeKeys(List.of(WRITE_KEY))
                .adminToken("admin")
                .build(),
            Clock.systemUTC());
  }

  /** Writes zeros to {@code file} until the file system refuses more. */
  private static void fill(Path file) {
    byte[] block = new byte[64 * 1024];
    try (OutputStream out = Files.newOutputStream(file)) {
      while (true) out.write(block);
    } catch (IOException full) {
      // ENOSPC: the disk is full
    }
  }

  private HttpResponse<String> identify(String messageId) throws Exception {
    String body =
        "{\"userId\": \"full-disk-user\", \"messageId\": \""
            + messageId
            + "\", \"traits\": {\"plan\": \"premium\", \"padding\": \""
            + "x".repeat(2_000)
            + "\"}}";
    return http.send(
        HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + "/v1/identify"))
            .header("Content-Type", "application/json")
            .header(
                "Authorization",
                "Basic "
                    + Base64.getEncoder()
                        .encodeToString((WRITE_KEY + ":").getBytes(StandardCharsets.UTF_8)))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .timeout(Duration.ofSeconds(30))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static void run(String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(String.join(" ", command) + ": " + output).isZero();
  }
}
