package dev.rollcall.profile;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Where profiles live: the embedded SQLite store or PostgreSQL. Safe for concurrent use.
 *
 * <p>Writes happen through {@link #write}, one transaction per call of it, in which {@link
 * CallApplier} applies calls; the processor checkpoint moves in the same transaction, so a crash
 * never applies a call twice or loses one.
 */
public interface ProfileStore extends AutoCloseable {
  /**
   * Runs {@code work} in one transaction, committed when it returns, rolled back if it throws.
   *
   * <p>A store that several processors write at once may roll the transaction back after a conflict
   * with another one and run {@code work} again in a new transaction, so {@code work} must have no
   * effect outside the writer (other than computing its result).
   */
  <T> T write(Function<ProfileWriter, T> work);

  /** The offset of the last log entry applied, 0 when none. */
  long checkpoint();

  /**
   * For a log in partitions, each with its own offsets (Kafka): the offset of the next entry to
   * apply of each partition of {@code log} that has been applied from; a partition not in the map
   * starts at 0. The offsets move with {@link ProfileWriter#movePartitionOffset}, in the
   * transaction that applies the entries.
   *
   * @throws UnsupportedOperationException when the store keeps no such offsets
   */
  default Map<Integer, Long> partitionOffsets(String log) {
    throw new UnsupportedOperationException(
        getClass().getSimpleName() + " keeps no offsets of a log in partitions");
  }

  Optional<Profile> find(ExternalId id);

  /**
   * A page of a person's calls, newest first (by timestamp), or null when no one has this id.
   *
   * @param cursor a previous page's {@link EventPage#next()}, or null for the newest calls
   */
  EventPage events(ExternalId id, String cursor, int limit);

  /**
   * Deletes the person with this id: profile, ids, traits and recorded calls.
   *
   * @param suppress also drop every later call for any of the person's ids
   * @return the person's ids, empty when no one has this id
   */
  List<ExternalId> delete(ExternalId id, boolean suppress);

  /** True when later calls for this id are dropped: its person was deleted with suppression. */
  boolean isSuppressed(ExternalId id);

  @Override
  void close();

  /** Calls of a person, newest first, and where the next page starts (null: no more). */
  record EventPage(List<byte[]> events, String next) {}
}
