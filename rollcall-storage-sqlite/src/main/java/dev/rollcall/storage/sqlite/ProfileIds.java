package dev.rollcall.storage.sqlite;

/**
 * A profile's id is the rowid of its row in {@code profiles}; outside the store it is {@code prf_}
 * and the rowid in 16 hex digits (two's complement for the random ids of the first releases), the
 * text profile ids had before the store keyed its tables by integer.
 */
final class ProfileIds {
  private static final String PREFIX = "prf_";
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private ProfileIds() {}

  static String text(long row) {
    char[] chars = new char[20];
    PREFIX.getChars(0, 4, chars, 0);
    for (int i = 19; i >= 4; i--) {
      chars[i] = HEX[(int) (row & 0xf)];
      row >>>= 4;
    }
    return new String(chars);
  }

  /**
   * The rowid of a profile id this store gave.
   *
   * @throws IllegalArgumentException when it is not one
   */
  static long row(String profileId) {
    if (profileId.length() != 20 || !profileId.startsWith(PREFIX)) {
      throw new IllegalArgumentException("not a profile id of this store: " + profileId);
    }
    return Long.parseUnsignedLong(profileId, 4, 20, 16);
  }
}
