package dev.rollcall;

import java.util.Locale;

/** The six call types of Segment's spec; only {@link #IDENTIFY} changes a person's traits. */
public enum MessageType {
  IDENTIFY,
  TRACK,
  PAGE,
  SCREEN,
  GROUP,
  ALIAS;

  private final String wireName = name().toLowerCase(Locale.ROOT);

  /** The name as it appears in {@code "type"} and in paths such as {@code /v1/identify}. */
  public String wireName() {
    return wireName;
  }

  /** The type for a wire name such as {@code "identify"}, or null when there is none. */
  public static MessageType fromWireName(String name) {
    switch (name) {
      case "identify":
        return IDENTIFY;
      case "track":
        return TRACK;
      case "page":
        return PAGE;
      case "screen":
        return SCREEN;
      case "group":
        return GROUP;
      case "alias":
        return ALIAS;
      default:
        return null;
    }
  }
}
