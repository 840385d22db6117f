package dev.rollcall.storage;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The durable, ordered hand-off between accepting a call and processing it.
 *
 * <p>The collector answers a client only when the future of its append completes: completion means
 * the entries survive a crash of the process at any later moment. Entries of one person keep the
 * order in which they were appended. Implementations are safe for concurrent use.
 */
public interface EventLog extends AutoCloseable {
  /**
   * Appends {@code entries}, skipping those whose source and {@code messageId} the log already
   * holds within its de-duplication window. The future fails with {@link StoreUnavailableException}
   * when the entries could not be made durable (a full disk, a read-only store) or when the log is
   * overloaded; nothing of a failed append is acknowledged.
   */
  CompletableFuture<AppendResult> append(List<LogEntry> entries);

  /**
   * Up to {@code limit} entries after {@code offset}, in log order; {@code 0} reads from the start.
   */
  List<LogEntry> read(long offset, int limit);

  /** True when an append could succeed now: the store is open and accepts writes. */
  boolean isWritable();

  /**
   * True when appends wait beyond the log's bound and a new one would be refused as overloaded: the
   * collector then sheds a request before spending anything on it.
   */
  default boolean isOverloaded() {
    return false;
  }

  @Override
  void close();
}
