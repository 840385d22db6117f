package dev.rollcall.server.profile;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.internal.Json;
import dev.rollcall.profile.Profile;
import dev.rollcall.profile.TraitValue;
import dev.rollcall.spec.Dates;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

/** The JSON documents of the Profile API, shared by the HTTP API and the CLI. */
public final class ProfileJson {
  private ProfileJson() {}

  /**
   * {@code {"traits": {...}}}; with {@code verbose}, each trait is {@code {"value": ...,
   * "timestamp": ..., "messageId": ...}}: when the call that set it happened, and its id.
   *
   * @param include the traits to show, or null for all
   */
  public static ObjectNode traits(Profile profile, Set<String> include, boolean verbose) {
    ObjectNode body = Json.object();
    ObjectNode traits = body.putObject("traits");
    for (Map.Entry<String, TraitValue> trait : profile.traits().entrySet()) {
      if (include != null && !include.contains(trait.getKey())) {
        continue;
      }
      if (verbose) {
        ObjectNode detail = traits.putObject(trait.getKey());
        detail.set("value", trait.getValue().value());
        detail.put(
            "timestamp", Dates.format(Instant.ofEpochMilli(trait.getValue().stamp().timestamp())));
        detail.put("messageId", trait.getValue().stamp().messageId());
      } else {
        traits.set(trait.getKey(), trait.getValue().value());
      }
    }
    return body;
  }

  /** {@code {"data": [{"id", "type", "created_at", "first_message_id"}], "cursor": {...}}}. */
  public static ObjectNode externalIds(Profile profile) {
    ObjectNode body = Json.object();
    ArrayNode data = body.putArray("data");
    for (Profile.IdSighting sighting : profile.ids()) {
      ObjectNode id = data.addObject();
      id.put("id", sighting.id().value());
      id.put("type", sighting.id().kind().prefix());
      id.put("created_at", Dates.format(Instant.ofEpochMilli(sighting.firstSeenMillis())));
      id.put("first_message_id", sighting.firstMessageId());
    }
    cursor(body, null);
    return body;
  }

  /** Segment's cursor object: {@code {"has_more": ..., "next": ...}}. */
  public static void cursor(ObjectNode body, String next) {
    ObjectNode cursor = body.putObject("cursor");
    cursor.put("has_more", next != null);
    cursor.put("next", next == null ? "" : next);
  }
}
