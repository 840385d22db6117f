package dev.rollcall.server.collect;

import dev.rollcall.MessageType;

/**
 * What a tracking path asks for: one message of a type, or a batch.
 *
 * <p>Accepted, as Segment's clients send them: {@code /v1/identify} and the other five types, their
 * one-letter forms used by analytics.js ({@code /v1/i}, {@code /v1/t}, ...), and the three names of
 * the batch endpoint ({@code /v1/batch}, {@code /v1/b}, {@code /v1/import}); each with or without a
 * trailing slash, and with doubled slashes (analytics-java makes {@code //v1/import/} from an
 * endpoint that ends in a slash).
 */
public final class Endpoint {
  private static final Endpoint BATCH = new Endpoint(null);

  private final MessageType type;

  private Endpoint(MessageType type) {
    this.type = type;
  }

  /** The endpoint for a request path, or null when it is not a tracking path. */
  public static Endpoint of(String path) {
    int i = 0;
    while (i < path.length() && path.charAt(i) == '/') i++;
    if (!path.startsWith("v1/", i)) {
      return null;
    }
    i += 3;
    while (i < path.length() && path.charAt(i) == '/') i++;
    int end = path.length();
    while (end > i && path.charAt(end - 1) == '/') end--;
    switch (path.substring(i, end)) {
      case "identify":
      case "i":
        return new Endpoint(MessageType.IDENTIFY);
      case "track":
      case "t":
        return new Endpoint(MessageType.TRACK);
      case "page":
      case "p":
        return new Endpoint(MessageType.PAGE);
      case "screen":
      case "s":
        return new Endpoint(MessageType.SCREEN);
      case "group":
      case "g":
        return new Endpoint(MessageType.GROUP);
      case "alias":
      case "a":
        return new Endpoint(MessageType.ALIAS);
      case "batch":
      case "b":
      case "import":
        return BATCH;
      default:
        return null;
    }
  }

  public boolean isBatch() {
    return type == null;
  }

  /** The type of the single message, or null for a batch. */
  public MessageType type() {
    return type;
  }

  /** A short name for metrics: the type's wire name, or {@code batch}. */
  public String metricName() {
    return type == null ? "batch" : type.wireName();
  }
}
