package dev.rollcall.server.cli;

import dev.rollcall.profile.Processor;
import dev.rollcall.storage.sqlite.SqliteEventLog;
import dev.rollcall.storage.sqlite.SqliteProfileStore;
import java.io.PrintWriter;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code rollcall rebuild}: computes the profiles again from the whole event log, into a new file,
 * and puts it in place of the old one. The server must be stopped (the data directory's lock says
 * so). Suppressed ids are carried over, since their calls are no longer in the log.
 */
@Command(
    name = "rebuild",
    mixinStandardHelpOptions = true,
    description = {
      "Replays the whole event log into an empty profile store and replaces the profiles with it."
          + " Stop the server first.",
    })
final class RebuildCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--data",
      paramLabel = "DIR",
      description = "Data directory (default: ./rollcall-data, or ROLLCALL_DATA).")
  Path data;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Path dir = ProfileCommand.dataDir(data);
    if (!Files.exists(dir.resolve("events.db"))) {
      err.println("rollcall rebuild: no event log at " + dir.resolve("events.db"));
      return 1;
    }
    try (FileChannel channel =
            FileChannel.open(
                dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = channel.tryLock()) {
      if (lock == null) {
        err.println("rollcall rebuild: a server is running on " + dir + "; stop it first");
        return 1;
      }
      long started = System.nanoTime();
      Path next = dir.resolve("profiles.db.rebuild");
      deleteStore(next);
      long applied;
      try (SqliteEventLog log =
              SqliteEventLog.open(
                  dir.resolve("events.db"), Clock.systemUTC(), Duration.ofHours(24), 1);
          SqliteProfileStore fresh = SqliteProfileStore.open(next)) {
        Path current = dir.resolve("profiles.db");
        if (Files.exists(current)) {
          try (SqliteProfileStore old = SqliteProfileStore.open(current)) {
            fresh.suppress(old.suppressedIds());
          }
        }
        try (Processor processor = new Processor(log, fresh, Processor.DEFAULT_CHUNK)) {
          processor.drain();
          applied = processor.applied();
        }
      }
      Path current = dir.resolve("profiles.db");
      deleteStore(current);
      Files.move(next, current, StandardCopyOption.ATOMIC_MOVE);
      out.printf(
          "rebuilt the profiles from the event log: %d calls applied in %.1f s%n",
          applied, (System.nanoTime() - started) / 1e9);
      out.flush();
      return 0;
    }
  }

  /** Deletes a SQLite file with its WAL and shared-memory files. */
  private static void deleteStore(Path file) throws java.io.IOException {
    Files.deleteIfExists(file);
    Files.deleteIfExists(file.resolveSibling(file.getFileName() + "-wal"));
    Files.deleteIfExists(file.resolveSibling(file.getFileName() + "-shm"));
  }
}
