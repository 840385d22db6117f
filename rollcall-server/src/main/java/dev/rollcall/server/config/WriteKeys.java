package dev.rollcall.server.config;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * The write keys of the sources that may send calls, each known by its source id.
 *
 * <p>Only SHA-256 hashes of the keys are held; a presented key is hashed and compared with every
 * known hash in constant time, so neither the comparison nor the number of comparisons tells an
 * attacker how close a guess came. The source id ({@code src_} and 12 hex digits of the hash) names
 * the source in stored calls and metrics without revealing the key.
 */
public final class WriteKeys {
  private final List<byte[]> hashes = new ArrayList<>();
  private final List<String> sourceIds = new ArrayList<>();

  public WriteKeys(List<String> keys) {
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("at least one write key is needed");
    }
    for (String key : keys) {
      hashes.add(Secrets.sha256(key));
      sourceIds.add(sourceIdOf(key));
    }
  }

  /** The source id for a write key. */
  public static String sourceIdOf(String key) {
    return "src_" + Secrets.sha256Hex(key).substring(0, 12);
  }

  /** The source id of {@code key}, or null when it is not a known write key. */
  public String authenticate(String key) {
    if (key == null || key.isEmpty()) {
      return null;
    }
    byte[] presented = Secrets.sha256(key);
    String match = null;
    for (int i = 0; i < hashes.size(); i++) {
      if (MessageDigest.isEqual(presented, hashes.get(i))) {
        match = sourceIds.get(i);
      }
    }
    return match;
  }

  public int size() {
    return hashes.size();
  }
}
