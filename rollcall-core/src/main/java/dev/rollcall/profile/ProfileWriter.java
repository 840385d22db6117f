package dev.rollcall.profile;

import dev.rollcall.storage.LogEntry;
import java.util.List;
import java.util.Map;

/**
 * The operations {@link CallApplier} needs from a profile store, all inside one transaction of
 * {@link ProfileStore#write}. Stores implement these plainly; the rules of identity and merging
 * live in {@link CallApplier}, once, for every store.
 */
public interface ProfileWriter {
  /**
   * Says which calls this transaction is about to apply, so that a store over a network can read
   * what they need (their ids' owners, whether they were applied, their profiles' traits) in a few
   * statements instead of several per call. Optional: the answers must be the same without it.
   */
  default void prefetch(List<LogEntry> entries) {}

  /** True when the call with this source and messageId was applied already. */
  boolean applied(String sourceId, String messageId);

  /** True when the id was deleted with suppression: its calls are dropped. */
  boolean suppressed(ExternalId id);

  /** The profile the id belongs to, or null. */
  String owner(ExternalId id);

  /** The userId of a profile, or null for an anonymous profile. */
  String userIdOf(String profileId);

  /**
   * The stamp of the call that joined an anonymous id to its profile's user, or null when its
   * profile has no user.
   */
  Stamp joinStamp(String anonymousId);

  /** Creates an empty profile, with {@code userId} (or null), and returns its id. */
  String createProfile(String userId);

  /** Gives an anonymous profile its user. */
  void setUserId(String profileId, String userId);

  /**
   * Points {@code id} at {@code profileId}, keeping its first sighting when it exists already. For
   * an anonymous id, {@code stamp} is its join stamp (null: not joined to a user); for an email,
   * the stamp of the call that carried it, and an existing email is re-pointed only when {@code
   * stamp} is later than the one it has.
   */
  void putId(ExternalId id, String profileId, long seenAtMillis, String messageId, Stamp stamp);

  /**
   * Records a call in a profile's timeline.
   *
   * @param anonymousOnlyId the call's anonymousId when it has no userId, else null; such calls move
   *     with their anonymous id if it is joined to another user later
   */
  void addEvent(String profileId, LogEntry entry, String anonymousOnlyId, Stamp stamp);

  Map<String, TraitValue> traits(String profileId);

  /** Sets the given traits, leaving the others as they are. */
  void putTraits(String profileId, Map<String, TraitValue> traits);

  /** Replaces all of a profile's traits. */
  void replaceTraits(String profileId, Map<String, TraitValue> traits);

  /** Moves every id and event of {@code from} into {@code into}, then deletes {@code from}. */
  void absorb(String from, String into);

  /**
   * Moves the calls recorded for {@code anonymousId} alone, and the emails they set, from one
   * profile to another, and points the anonymous id at the other profile with {@code joinStamp}.
   */
  void moveAnonymous(String anonymousId, String from, String into, Stamp joinStamp);

  /** The normalized JSON of a profile's identify calls, in any order. */
  List<byte[]> identifyEvents(String profileId);

  /** Remembers that the log was applied up to {@code offset}. */
  void setCheckpoint(long offset);

  /**
   * Moves the offset of one partition of a log in partitions (see {@link
   * ProfileStore#partitionOffsets}) from {@code expected} to {@code next}, if it is at {@code
   * expected}: a compare-and-set, so that of two processors that read the same entries (one of them
   * no longer owning the partition) only one applies them. Call it before applying the entries: the
   * partition stays locked until the transaction ends.
   *
   * @return false when the partition is not at {@code expected}; the caller rolls back
   * @throws UnsupportedOperationException when the store keeps no such offsets
   */
  default boolean movePartitionOffset(String log, int partition, long expected, long next) {
    throw new UnsupportedOperationException(
        getClass().getSimpleName() + " keeps no offsets of a log in partitions");
  }
}
