package dev.rollcall.server.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A debugger that does not read its stream must neither hold the collector back nor make the server
 * keep its calls: the collector goes on acknowledging, and when the client reads again it is told
 * how many calls it missed.
 */
class SlowStreamClientTest {
  @TempDir Path dir;
  private ConsoleServer server;

  @BeforeEach
  void start() throws Exception {
    server = ConsoleServer.start(dir);
  }

  @AfterEach
  void stop() {
    if (server != null) server.close();
  }

  @Test
  void streamThatIsNotRead_collectorGoesOn_andClientIsToldWhatItMissed() throws Exception {
    try (Socket socket = new Socket()) {
      socket.setReceiveBufferSize(4096); // keep the kernel from buffering much on our side
      socket.connect(new InetSocketAddress("127.0.0.1", server.server.port()));
      OutputStream out = socket.getOutputStream();
      out.write(
          ("GET /v1/calls/stream?backlog=0 HTTP/1.1\r\nHost: localhost\r\n"
                  + "Authorization: Bearer "
                  + ConsoleServer.ADMIN_TOKEN
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();

      // ~16 KB per call, 30 calls per batch: far more than the socket buffers and the stream's
      // write queue hold, and more calls than the feed keeps
      String padding = "x".repeat(16 * 1024);
      int batches = 40;
      for (int b = 0; b < batches; b++) {
        StringBuilder batch = new StringBuilder("{\"batch\":[");
        for (int i = 0; i < 30; i++) {
          if (i > 0) batch.append(',');
          batch
              .append("{\"type\":\"identify\",\"userId\":\"slow-")
              .append(b)
              .append('-')
              .append(i)
              .append("\",\"traits\":{\"padding\":\"")
              .append(padding)
              .append("\"}}");
        }
        assertThat(server.track("/v1/batch", batch.append("]}").toString()).statusCode())
            .as("the collector answers while the stream is not read")
            .isEqualTo(200);
      }

      long dropped = readUntilDropped(socket.getInputStream());

      assertThat(dropped).isGreaterThan(0);
    }
  }

  /** Reads the raw stream until a {@code dropped} event; returns the number it gives. */
  private static long readUntilDropped(InputStream in) throws Exception {
    Pattern droppedEvent = Pattern.compile("event: dropped\ndata: \\{\"dropped\":(\\d+)");
    StringBuilder tail = new StringBuilder();
    byte[] buffer = new byte[64 * 1024];
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      int read = in.read(buffer);
      if (read < 0) break;
      tail.append(new String(buffer, 0, read, StandardCharsets.UTF_8));
      Matcher matcher = droppedEvent.matcher(tail);
      if (matcher.find()) return Long.parseLong(matcher.group(1));
      if (tail.length() > 200) tail.delete(0, tail.length() - 200);
    }
    throw new AssertionError("no dropped event within 60 s");
  }
}
