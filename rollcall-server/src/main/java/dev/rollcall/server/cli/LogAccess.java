package dev.rollcall.server.cli;

import dev.rollcall.log.kafka.KafkaEventLog;
import dev.rollcall.server.ScaledServer;
import dev.rollcall.server.config.ServerConfig;
import dev.rollcall.storage.EventLog;
import dev.rollcall.storage.LogEntry;
import dev.rollcall.storage.sqlite.SqliteEventLog;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.List;

/**
 * The event log of a configuration, for the commands that read or fill it whole ({@code export},
 * {@code import}): the embedded log in the data directory, which needs the server stopped (its lock
 * says so), or the Kafka topic, which any number of servers may be using.
 */
final class LogAccess implements AutoCloseable {
  final ServerConfig config;
  final EventLog log;
  private final FileChannel lockChannel;
  private final FileLock lock;

  private LogAccess(ServerConfig config, EventLog log, FileChannel lockChannel, FileLock lock) {
    this.config = config;
    this.log = log;
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /**
   * Opens the configured log.
   *
   * @param create whether an embedded log may be created (import); export needs one that exists
   * @throws IllegalStateException with a message for people: no log there, a server running
   */
  static LogAccess open(ServerConfig config, boolean create) throws IOException {
    if (config.scaleOut() != null) {
      return new LogAccess(
          config, KafkaEventLog.open(ScaledServer.kafkaSettings(config)), null, null);
    }
    Path dir = config.dataDir();
    Path file = dir.resolve("events.db");
    if (!create && !Files.exists(file)) {
      throw new IllegalStateException("no event log at " + file + " (is --data right?)");
    }
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new IllegalStateException("the data directory " + dir + " is a file");
    }
    FileChannel channel;
    try {
      Files.createDirectories(dir);
      channel =
          FileChannel.open(
              dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot use the data directory " + dir + ": " + FileProblems.describe(e), e);
    }
    FileLock lock = channel.tryLock();
    if (lock == null) {
      channel.close();
      throw new IllegalStateException("a server is running on " + dir + "; stop it first");
    }
    try {
      SqliteEventLog log =
          SqliteEventLog.open(
              file, Clock.systemUTC(), config.dedupWindow(), config.maxPendingEntries());
      return new LogAccess(config, log, channel, lock);
    } catch (java.sql.SQLException | RuntimeException e) {
      lock.close();
      channel.close();
      throw new IllegalStateException(
          "cannot open the event log " + file + ": " + e.getMessage(), e);
    }
  }

  boolean embedded() {
    return log instanceof SqliteEventLog;
  }

  /** The offset of the last entry of the log, 0 when it is empty; reads it through. */
  long lastOffset() {
    long last = 0;
    while (true) {
      List<LogEntry> page = log.read(last, 10_000);
      if (page.isEmpty()) return last;
      last = page.get(page.size() - 1).offset();
    }
  }

  @Override
  public void close() throws IOException {
    log.close();
    if (lock != null) lock.close();
    if (lockChannel != null) lockChannel.close();
  }
}
