package dev.rollcall.destination;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;

/**
 * The {@code integrations} object of a call: which destinations get it. {@code All} defaults to
 * true; {@code "Mixpanel": false} excludes one; {@code "All": false, "Mixpanel": true} sends to
 * Mixpanel only; an object value (the destination's options) counts as true. Names match without
 * regard to case, spaces or punctuation ({@code "MailChimp"}, {@code "Customer.io"} ≡ {@code
 * customerio}), and so does {@code All}.
 */
public final class Integrations {
  private Integrations() {}

  /** True when the call goes to the destination named {@code destination}. */
  public static boolean enabled(ObjectNode integrations, String destination) {
    JsonNode own = find(integrations, Destination.key(destination));
    if (own != null && !own.isNull()) {
      return !own.isBoolean() || own.booleanValue();
    }
    JsonNode all = find(integrations, "all");
    return all == null || !all.isBoolean() || all.booleanValue();
  }

  /** The call's options for the destination (an object value), or null. */
  public static ObjectNode options(ObjectNode integrations, String destination) {
    JsonNode own = find(integrations, Destination.key(destination));
    return own instanceof ObjectNode ? (ObjectNode) own : null;
  }

  private static JsonNode find(ObjectNode integrations, String key) {
    if (integrations == null) return null;
    Iterator<Map.Entry<String, JsonNode>> fields = integrations.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      if (Destination.key(field.getKey()).equals(key)) return field.getValue();
    }
    return null;
  }
}
