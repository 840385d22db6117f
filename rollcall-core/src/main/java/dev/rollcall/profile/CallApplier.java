package dev.rollcall.profile;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.Message;
import dev.rollcall.MessageType;
import dev.rollcall.internal.Json;
import dev.rollcall.storage.LogEntry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Applies calls to profiles: identity resolution and the merge of traits.
 *
 * <h2>Design: one profile per person, whatever the order calls arrive in</h2>
 *
 * A profile has at most one {@code userId}, any number of {@code anonymousId}s, and the emails seen
 * in its traits as lookup keys. Every decision compares {@link Stamp}s (timestamp, then receivedAt,
 * then messageId) instead of relying on arrival order, so that the profiles are a function of the
 * set of calls: a late call, a replay of the log, or a shuffled order give the same result.
 *
 * <ul>
 *   <li><b>Traits</b>: last write wins per trait, by stamp. A trait sent as null is kept as null;
 *       an object such as {@code address} is replaced whole. Only identify calls set traits.
 *   <li><b>Joining</b>: a call with both a userId and an anonymousId joins the anonymous id to the
 *       user's profile; when the anonymous id had a profile of its own (anonymous calls before the
 *       user signed up or logged in), that profile, its traits and its calls, is merged into the
 *       user's. An {@code alias} call joins its {@code previousId} the same way, as an anonymous
 *       id. Calls that arrive before the join land in the anonymous profile and move with it.
 *   <li><b>Two users never merge.</b> A second {@code userId} never enters a profile that has one.
 *   <li><b>Shared computer</b>: when an anonymous id is seen with a second user (two people on one
 *       browser, without a reset between them), it stays with the user it was joined to first, by
 *       stamp: the call itself goes to the second user's profile. If the second user's call is the
 *       earlier one (it arrived late), the anonymous id moves to that user, taking along the calls
 *       it made alone, and both profiles' traits are computed again from their calls.
 *   <li><b>Emails</b> are lookup keys: an email points at the profile whose call carried it last,
 *       and a person who changes email keeps the old one as a key too.
 * </ul>
 *
 * Idempotent: a call whose source and messageId were applied already is skipped, so reading the log
 * again after a crash changes nothing.
 */
public final class CallApplier {
  /** What became of one call. */
  public enum Result {
    APPLIED,
    ALREADY_APPLIED,
    SUPPRESSED,
    /**
     * The stored call is not a readable message. It is skipped (and counted) rather than retried:
     * retrying can never succeed and would stop every later call from reaching the profiles.
     */
    UNREADABLE
  }

  /** The fields of a call that applying it reads (see {@link Stamp#of} for the stamp's). */
  private static final Set<String> APPLIED_FIELDS =
      Set.of(
          "userId", "anonymousId", "previousId", "messageId", "timestamp", "receivedAt", "traits");

  private CallApplier() {}

  public static Result apply(ProfileWriter writer, LogEntry entry) {
    Message message;
    try {
      message = parse(entry);
    } catch (UncheckedIOException | ClassCastException e) {
      return Result.UNREADABLE;
    }
    if (writer.applied(entry.sourceId(), entry.messageId())) {
      return Result.ALREADY_APPLIED;
    }
    String userId = message.userId();
    List<String> anonymousIds = new ArrayList<>(2);
    if (message.anonymousId() != null) anonymousIds.add(message.anonymousId());
    if (message.type() == MessageType.ALIAS && userId != null) {
      JsonNode previousId = message.json().get("previousId");
      if (previousId != null && previousId.isTextual() && !previousId.textValue().equals(userId)) {
        anonymousIds.add(previousId.textValue());
      }
    }
    if (isSuppressed(writer, userId, anonymousIds)) {
      return Result.SUPPRESSED;
    }
    Stamp stamp = Stamp.of(message);
    long seenAt = entry.receivedAtMillis();
    String profile =
        userId != null
            ? resolveUser(writer, userId, anonymousIds, stamp, seenAt)
            : resolveAnonymous(writer, anonymousIds.get(0), seenAt, message.messageId());
    writer.addEvent(profile, entry, userId == null ? anonymousIds.get(0) : null, stamp);
    if (message.type() == MessageType.IDENTIFY) {
      applyTraits(writer, profile, message.traits(), stamp, seenAt);
    }
    return Result.APPLIED;
  }

  private static boolean isSuppressed(
      ProfileWriter writer, String userId, List<String> anonymousIds) {
    if (userId != null && writer.suppressed(ExternalId.of(IdKind.USER_ID, userId))) return true;
    for (String anonymousId : anonymousIds) {
      if (writer.suppressed(ExternalId.of(IdKind.ANONYMOUS_ID, anonymousId))) return true;
    }
    return false;
  }

  private static String resolveAnonymous(
      ProfileWriter writer, String anonymousId, long seenAt, String messageId) {
    ExternalId id = ExternalId.of(IdKind.ANONYMOUS_ID, anonymousId);
    String profile = writer.owner(id);
    if (profile == null) {
      profile = writer.createProfile(null);
      writer.putId(id, profile, seenAt, messageId, null);
    }
    return profile;
  }

  private static String resolveUser(
      ProfileWriter writer, String userId, List<String> anonymousIds, Stamp stamp, long seenAt) {
    ExternalId user = ExternalId.of(IdKind.USER_ID, userId);
    String profile = writer.owner(user);
    for (String anonymousId : anonymousIds) {
      ExternalId anonymous = ExternalId.of(IdKind.ANONYMOUS_ID, anonymousId);
      String anonymousProfile = writer.owner(anonymous);
      if (anonymousProfile == null) {
        profile = profile != null ? profile : newUserProfile(writer, user, seenAt, stamp);
        writer.putId(anonymous, profile, seenAt, stamp.messageId(), stamp);
      } else if (anonymousProfile.equals(profile)) {
        Stamp joined = writer.joinStamp(anonymousId);
        if (joined == null || joined.isAfter(stamp)) {
          writer.putId(anonymous, profile, seenAt, stamp.messageId(), stamp);
        }
      } else if (writer.userIdOf(anonymousProfile) == null) {
        if (profile == null) { // the anonymous visitor becomes this user
          profile = anonymousProfile;
          writer.setUserId(profile, userId);
          writer.putId(user, profile, seenAt, stamp.messageId(), null);
        } else { // the user is known already: the anonymous history joins their profile
          Map<String, TraitValue> merged =
              mergeTraits(writer.traits(profile), writer.traits(anonymousProfile));
          writer.absorb(anonymousProfile, profile);
          writer.replaceTraits(profile, merged);
        }
        writer.putId(anonymous, profile, seenAt, stamp.messageId(), stamp);
      } else if (writer.joinStamp(anonymousId).isAfter(stamp)) { // shared computer, earlier join
        profile = profile != null ? profile : newUserProfile(writer, user, seenAt, stamp);
        writer.moveAnonymous(anonymousId, anonymousProfile, profile, stamp);
        recomputeTraits(writer, anonymousProfile);
        recomputeTraits(writer, profile);
      } // else shared computer, later join: the anonymous id stays with its first user
    }
    return profile != null ? profile : newUserProfile(writer, user, seenAt, stamp);
  }

  private static String newUserProfile(
      ProfileWriter writer, ExternalId user, long seenAt, Stamp stamp) {
    String profile = writer.createProfile(user.value());
    writer.putId(user, profile, seenAt, stamp.messageId(), null);
    return profile;
  }

  private static void applyTraits(
      ProfileWriter writer, String profile, ObjectNode traits, Stamp stamp, long seenAt) {
    if (traits.isEmpty()) {
      return;
    }
    Map<String, TraitValue> current = writer.traits(profile);
    Map<String, TraitValue> changed = new HashMap<>();
    Iterator<Map.Entry<String, JsonNode>> fields = traits.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      TraitValue existing = current.get(field.getKey());
      if (existing == null || stamp.isAfter(existing.stamp())) {
        changed.put(field.getKey(), new TraitValue(field.getValue(), stamp));
      }
    }
    writer.putTraits(profile, changed);
    String email = email(traits);
    if (email != null) {
      writer.putId(ExternalId.of(IdKind.EMAIL, email), profile, seenAt, stamp.messageId(), stamp);
    }
  }

  /** The email trait when it is a usable lookup key, else null. */
  public static String email(ObjectNode traits) {
    JsonNode email = traits.get("email");
    return email != null && email.isTextual() && !email.textValue().isBlank()
        ? email.textValue()
        : null;
  }

  private static Map<String, TraitValue> mergeTraits(
      Map<String, TraitValue> a, Map<String, TraitValue> b) {
    Map<String, TraitValue> merged = new HashMap<>(a);
    b.forEach((name, value) -> merged.merge(name, value, TraitValue::latest));
    return merged;
  }

  /** A profile's traits computed from its identify calls alone: the fold of last-write-wins. */
  static void recomputeTraits(ProfileWriter writer, String profile) {
    Map<String, TraitValue> traits = new HashMap<>();
    for (byte[] json : writer.identifyEvents(profile)) {
      Message message = parse(MessageType.IDENTIFY, json);
      Stamp stamp = Stamp.of(message);
      message
          .traits()
          .fields()
          .forEachRemaining(
              field ->
                  traits.merge(
                      field.getKey(), new TraitValue(field.getValue(), stamp), TraitValue::latest));
    }
    writer.replaceTraits(profile, traits);
  }

  private static Message parse(LogEntry entry) {
    return parse(entry.type(), entry.json());
  }

  /**
   * Reads the fields of a stored call that applying it needs, skipping the others (its context,
   * integrations and so on) unparsed: a tree of the whole call was a tenth of the processor's CPU.
   * The call was validated before the log stored it; what cannot be read is reported unreadable.
   */
  private static Message parse(MessageType type, byte[] json) {
    try (JsonParser parser = Json.MAPPER.createParser(json)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("not a JSON object");
      }
      ObjectNode fields = Json.object();
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        parser.nextToken();
        if (APPLIED_FIELDS.contains(name)) {
          fields.set(name, Json.readTree(parser));
        } else {
          parser.skipChildren();
        }
      }
      if (parser.nextToken() != null) {
        throw new IOException("more after the object");
      }
      return new Message(type, fields);
    } catch (IOException e) {
      throw new UncheckedIOException("a stored call is not a readable JSON object", e);
    }
  }
}
