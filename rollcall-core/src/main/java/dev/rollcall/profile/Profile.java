package dev.rollcall.profile;

import java.util.List;
import java.util.Map;

/**
 * One person, as the profile store knows them: at most one {@code userId}, every other id they were
 * seen with, and their traits, each with the stamp of the call that set it.
 *
 * @param id the store's own id for the profile; stable while the profile lives, not across merges
 * @param ids every id of the person, with when it was first seen
 * @param traits by name, in name order
 */
public record Profile(
    String id, String userId, List<IdSighting> ids, Map<String, TraitValue> traits) {
  /**
   * An id of the person and when it was first seen.
   *
   * @param firstSeenMillis receivedAt of the first call that carried it, in milliseconds
   */
  public record IdSighting(ExternalId id, long firstSeenMillis, String firstMessageId) {}
}
