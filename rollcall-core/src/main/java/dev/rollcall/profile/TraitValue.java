package dev.rollcall.profile;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A trait's value in a profile and the stamp of the call that set it. A null trait is a {@link
 * com.fasterxml.jackson.databind.node.NullNode}: sent as null, it is kept as null.
 */
public record TraitValue(JsonNode value, Stamp stamp) {
  /** The later of two values of one trait. */
  public static TraitValue latest(TraitValue a, TraitValue b) {
    if (a == null) return b;
    if (b == null) return a;
    return b.stamp.isAfter(a.stamp) ? b : a;
  }
}
