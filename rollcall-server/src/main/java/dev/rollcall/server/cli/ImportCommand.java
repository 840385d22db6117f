package dev.rollcall.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.Message;
import dev.rollcall.MessageType;
import dev.rollcall.internal.Json;
import dev.rollcall.log.kafka.KafkaEventLog;
import dev.rollcall.server.config.ConfigLoader;
import dev.rollcall.server.config.ServerConfig;
import dev.rollcall.storage.AppendResult;
import dev.rollcall.storage.LogEntry;
import dev.rollcall.storage.sqlite.SqliteDeliveryQueue;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code rollcall import}: appends the JSON lines of {@code export} to the configured log, and
 * waits until the log holds them. The processors then apply them to the profiles; calls already
 * applied (same source and messageId) change nothing, so an import can be run again.
 *
 * <p>Imported calls are not delivered again (the destinations had them when they were first
 * received), unless {@code --deliver}: on Kafka they carry a header the processors read; in the
 * embedded store the router's mark moves past them.
 */
@Command(
    name = "import",
    mixinStandardHelpOptions = true,
    description = {
      "Appends calls from JSON lines (as export writes them) to the configured log: a backup"
          + " restored, or the move from the embedded store to Kafka. Stop an embedded server"
          + " first; with Kafka, servers may run.",
      "Imported calls reach the profiles but are not delivered to destinations again, unless"
          + " --deliver.",
      "Exit status: 0 when every line is imported; 1 when the input, the log or a line cannot be"
          + " used (it says how many calls were imported before); 2 on a bad configuration."
    })
final class ImportCommand implements Callable<Integer> {
  /** Calls appended at once. */
  private static final int BATCH = 500;

  @Spec CommandSpec spec;

  @Mixin ConfigOptions store;

  @Option(
      names = {"--input", "-i"},
      paramLabel = "FILE",
      description = "Read this file instead of standard input.")
  Path input;

  @Option(names = "--deliver", description = "Deliver the imported calls to destinations too.")
  boolean deliver;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    ServerConfig serverConfig;
    try {
      serverConfig = store.load();
    } catch (ConfigLoader.ConfigException e) {
      err.println("rollcall import: " + e.getMessage());
      return 2;
    }
    long appended = 0;
    long duplicates = 0;
    int lineNumber = 0;
    String inputName = input == null ? "standard input" : input.toString();
    // the input is opened before the log, so that a mistyped file name creates no empty store
    BufferedReader lines;
    try {
      lines = open(input);
    } catch (IOException e) {
      err.println("rollcall import: cannot read " + inputName + ": " + FileProblems.describe(e));
      return 1;
    }
    try (lines;
        LogAccess access = LogAccess.open(serverConfig, true)) {
      long lastBefore = access.embedded() && !deliver ? access.lastOffset() : 0;
      List<LogEntry> batch = new ArrayList<>(BATCH);
      String line;
      while (true) {
        try {
          line = lines.readLine();
        } catch (IOException e) {
          err.println(
              "rollcall import: cannot read "
                  + inputName
                  + (lineNumber == 0 ? "" : " after line " + lineNumber)
                  + ": "
                  + FileProblems.describe(e)
                  + "; the "
                  + appended
                  + " calls before it are imported");
          return 1;
        }
        if (line != null) {
          lineNumber++;
          if (line.isBlank()) continue;
          try {
            batch.add(entry(line));
          } catch (IllegalArgumentException e) {
            err.println(
                "rollcall import: line "
                    + lineNumber
                    + ": "
                    + e.getMessage()
                    + "; the "
                    + appended
                    + " calls before it are imported");
            return 1;
          }
        }
        if (batch.size() == BATCH || (line == null && !batch.isEmpty())) {
          AppendResult result = append(access, batch);
          appended += result.appended();
          duplicates += result.duplicates();
          batch.clear();
        }
        if (line == null) break;
      }
      if (access.embedded() && !deliver) {
        skipDeliveries(access, lastBefore, err);
      }
    } catch (IllegalStateException e) {
      err.println("rollcall import: " + e.getMessage());
      return 1;
    }
    err.println(
        "rollcall import: "
            + appended
            + " calls appended"
            + (duplicates > 0 ? ", " + duplicates + " already in the log" : "")
            + (deliver ? "" : "; they will not be delivered to destinations again"));
    err.flush();
    return 0;
  }

  /** The input, or standard input; a directory is refused now rather than at the first read. */
  private static BufferedReader open(Path input) throws IOException {
    if (input == null) {
      return new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    }
    if (Files.isDirectory(input)) {
      throw new java.nio.file.FileSystemException(input.toString(), null, "Is a directory");
    }
    return Files.newBufferedReader(input, StandardCharsets.UTF_8);
  }

  private AppendResult append(LogAccess access, List<LogEntry> batch) throws Exception {
    List<LogEntry> entries = List.copyOf(batch);
    var future =
        access.log instanceof KafkaEventLog kafka && !deliver
            ? kafka.appendImported(entries)
            : access.log.append(entries);
    return future.get(5, TimeUnit.MINUTES);
  }

  /** The entry of one line of {@code export}. */
  static LogEntry entry(String line) {
    JsonNode node;
    try {
      // export wraps each message in one more level, so a message as deep as the collector takes
      // (Json.MAX_NESTING_DEPTH) is one level deeper here than Json.read allows
      node = Json.readEnvelope(line.getBytes(StandardCharsets.UTF_8));
    } catch (Json.TooDeepException e) {
      throw new IllegalArgumentException(e.getMessage());
    } catch (IOException e) {
      throw new IllegalArgumentException("not JSON: " + problem(e));
    }
    if (!(node instanceof ObjectNode object)) {
      throw new IllegalArgumentException("not a JSON object");
    }
    JsonNode source = object.get("source");
    if (source == null || !source.isTextual() || source.textValue().isEmpty()) {
      throw new IllegalArgumentException("source must be the source's id, a string");
    }
    if (!(object.get("message") instanceof ObjectNode message)) {
      throw new IllegalArgumentException("message must be a JSON object");
    }
    JsonNode typeName = message.get("type");
    MessageType type = typeName == null ? null : MessageType.fromWireName(typeName.asText());
    if (type == null) throw new IllegalArgumentException("message.type is not a call type");
    for (String field : List.of("messageId", "receivedAt")) {
      if (!message.path(field).isTextual()) {
        throw new IllegalArgumentException(
            "message." + field + " is missing: export writes messages as Rollcall stored them");
      }
    }
    Message stored = new Message(type, message);
    if (stored.personKey() == null) {
      throw new IllegalArgumentException("message has neither userId nor anonymousId");
    }
    try {
      return LogEntry.of(source.textValue(), stored);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("message cannot be read: " + e.getMessage());
    }
  }

  /** The first line of a JSON reader's complaint, without Jackson's note of where it was. */
  private static String problem(IOException e) {
    String message =
        e instanceof com.fasterxml.jackson.core.JsonProcessingException json
            ? json.getOriginalMessage()
            : e.getMessage();
    return message == null ? "unreadable" : message.split("\n", 2)[0];
  }

  /**
   * Moves the embedded router's mark past the imported calls, when it had routed everything before
   * them; otherwise says that they will be delivered.
   */
  private static void skipDeliveries(LogAccess access, long lastBefore, PrintWriter err) {
    long lastAfter = access.lastOffset();
    if (lastAfter == lastBefore) return;
    try (SqliteDeliveryQueue queue =
        SqliteDeliveryQueue.open(access.config.dataDir().resolve("deliveries.db"))) {
      if (queue.routedUpTo() >= lastBefore) {
        queue.enqueue(List.of(), System.currentTimeMillis(), lastAfter);
      } else {
        err.println(
            "rollcall import: calls received before the import are not routed yet, so the"
                + " imported ones will be delivered with them");
      }
    }
  }
}
