package dev.rollcall.server.cli;

import dev.rollcall.server.config.ConfigLoader;
import dev.rollcall.server.config.ServerConfig;
import dev.rollcall.storage.LogEntry;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code rollcall export}: the event log as JSON lines, one call a line: {@code {"source":
 * "src_...", "message": {...}}}, the message as Rollcall stored it (normalized). What {@code
 * import} reads: a backup, and the way from the embedded store to Kafka and back.
 */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = {
      "Writes the event log as JSON lines ({\"source\": ..., \"message\": {...}} per call) to"
          + " standard output or a file: a backup, and what import reads.",
      "The log is the configured one: the embedded log in the data directory (stop the server"
          + " first), or the Kafka topic (read partition after partition, while servers run).",
      "Exit status: 0 when done; 1 when the log or the output cannot be used; 2 on a bad"
          + " configuration."
    })
final class ExportCommand implements Callable<Integer> {
  /** Entries read at once. */
  private static final int PAGE = 1_000;

  @Spec CommandSpec spec;

  @Mixin ConfigOptions store;

  @Option(
      names = {"--output", "-o"},
      paramLabel = "FILE",
      description = "Write to this file instead of standard output.")
  Path output;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    ServerConfig serverConfig;
    try {
      serverConfig = store.load();
    } catch (ConfigLoader.ConfigException e) {
      err.println("rollcall export: " + e.getMessage());
      return 2;
    }
    long exported = 0;
    String outputName = output == null ? "standard output" : output.toString();
    // the log is opened before the output, so that a wrong --data leaves an existing file alone
    try (LogAccess access = LogAccess.open(serverConfig, false);
        OutputStream out = new BufferedOutputStream(open(output), 1 << 16)) {
      long after = 0;
      while (true) {
        List<LogEntry> page = access.log.read(after, PAGE);
        if (page.isEmpty()) break;
        for (LogEntry entry : page) {
          write(out, entry);
          exported++;
        }
        after = page.get(page.size() - 1).offset();
      }
    } catch (IllegalStateException e) {
      err.println("rollcall export: " + e.getMessage());
      return 1;
    } catch (IOException e) {
      // the log's problems come as IllegalStateException: this one is the output's
      err.println("rollcall export: cannot write " + outputName + ": " + FileProblems.describe(e));
      return 1;
    }
    err.println("rollcall export: " + exported + " calls");
    err.flush();
    return 0;
  }

  private static OutputStream open(Path output) throws IOException {
    return output == null ? new NonClosing(System.out) : Files.newOutputStream(output);
  }

  /** One line: the source as a JSON string, the message as the log holds it, byte for byte. */
  static void write(OutputStream out, LogEntry entry) throws java.io.IOException {
    out.write("{\"source\":".getBytes(StandardCharsets.UTF_8));
    out.write(dev.rollcall.internal.Json.MAPPER.writeValueAsBytes(entry.sourceId()));
    out.write(",\"message\":".getBytes(StandardCharsets.UTF_8));
    out.write(entry.json());
    out.write("}\n".getBytes(StandardCharsets.UTF_8));
  }

  /** Standard output, flushed but left open when the command is done with it. */
  private static final class NonClosing extends java.io.FilterOutputStream {
    NonClosing(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws java.io.IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws java.io.IOException {
      flush();
    }
  }
}
