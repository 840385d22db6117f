package dev.rollcall.server.collect;

/** The size limits of Segment's tracking API, in bytes (Segment's KB are 1,024 bytes). */
public final class BodyLimits {
  /** Largest single message: 32 KB. */
  public static final int MAX_MESSAGE_BYTES = 32 * 1024;

  /** Largest request body, after decompression: 500 KB. */
  public static final int MAX_REQUEST_BYTES = 500 * 1024;

  private BodyLimits() {}
}
