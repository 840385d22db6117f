package dev.rollcall.storage.sqlite;

import java.util.function.LongPredicate;

/**
 * The messages the log stored lately, for de-duplication: a 64-bit hash of each (source, messageId)
 * with the offset it was stored at, in memory, oldest first out.
 *
 * <h2>Why in memory</h2>
 *
 * A B-tree index on (source, messageId) in the log file, the obvious design, costs one random page
 * per stored call: message ids are random, so each call of a group commit lands on a page of its
 * own, which SQLite writes to the WAL and later to the file. That was 8 of the 11 KB written per
 * call, and most of the writer's CPU. Here a call costs a probe of an open-addressing table; what
 * survives a restart is the compact keys the log appends with each commit ({@code event_keys}),
 * from which the table is loaded again.
 *
 * <p>A hash says "maybe": the caller confirms each candidate by reading the stored call at its
 * offset, so a collision, a call deleted since, or an offset of a rolled-back commit is never taken
 * for a duplicate.
 *
 * <h2>Bounds</h2>
 *
 * Entries leave when older than the window ({@link #expire}), or, beyond {@code capacity} entries,
 * the oldest first: the window is then shorter than configured. The arrays double as entries come:
 * the table keeps at least twice as many slots as entries, 16 bytes a slot, and the queue of
 * arrival 24 bytes an entry; for a million entries, 2²¹ slots and 2²⁰ places, about 56 MB.
 *
 * <p>Not thread-safe: the log's writer thread owns it.
 */
final class RecentMessages {
  private static final int MIN_SLOTS = 1 << 10;

  private final int capacity;

  /** Open addressing, linear probing; a key of 0 marks an empty slot (hashes are never 0). */
  private long[] keys = new long[MIN_SLOTS];

  private long[] offsets = new long[MIN_SLOTS];

  /** The entries in arrival order, a ring: keys, offsets and the time they were stored (ms). */
  private long[] queueKeys = new long[MIN_SLOTS];

  private long[] queueOffsets = new long[MIN_SLOTS];
  private long[] queueTimes = new long[MIN_SLOTS];
  private int head;
  private int size;

  RecentMessages(int capacity) {
    if (capacity <= 0) throw new IllegalArgumentException("capacity <= 0: " + capacity);
    this.capacity = capacity;
  }

  /** The hash of a (source, messageId) pair: 64-bit FNV-1a with a final mix; never 0. */
  static long hash(String source, String messageId) {
    long h = 0xcbf29ce484222325L;
    h = mix(h, source);
    h = (h ^ 0xff) * 0x100000001b3L; // a separator that no char is: "ab"+"c" differs from "a"+"bc"
    h = mix(h, messageId);
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h == 0 ? 1 : h;
  }

  private static long mix(long h, String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      h = (h ^ (c & 0xff)) * 0x100000001b3L;
      h = (h ^ (c >>> 8)) * 0x100000001b3L;
    }
    return h;
  }

  /**
   * True when some entry with this hash passes {@code confirm}, which is given the entry's offset.
   */
  boolean anyMatch(long hash, LongPredicate confirm) {
    int mask = keys.length - 1;
    for (int i = slot(hash, mask); keys[i] != 0; i = (i + 1) & mask) {
      if (keys[i] == hash && confirm.test(offsets[i])) return true;
    }
    return false;
  }

  /** Records a message stored at {@code offset} at {@code atMillis}, the oldest leaving if full. */
  void add(long hash, long offset, long atMillis) {
    if (size == capacity) removeOldest();
    if (size + 1 > keys.length / 2) growTable();
    if (size == queueKeys.length) growQueue();
    int mask = keys.length - 1;
    int i = slot(hash, mask);
    while (keys[i] != 0) i = (i + 1) & mask;
    keys[i] = hash;
    offsets[i] = offset;
    int tail = (head + size) % queueKeys.length;
    queueKeys[tail] = hash;
    queueOffsets[tail] = offset;
    queueTimes[tail] = atMillis;
    size++;
  }

  /** Forgets the entries stored before {@code cutoffMillis}. */
  void expire(long cutoffMillis) {
    while (size > 0 && queueTimes[head] < cutoffMillis) removeOldest();
  }

  int size() {
    return size;
  }

  int capacity() {
    return capacity;
  }

  private void removeOldest() {
    remove(queueKeys[head], queueOffsets[head]);
    head = (head + 1) % queueKeys.length;
    size--;
  }

  /** Removes one (hash, offset) entry, shifting back the entries after it (linear probing). */
  private void remove(long hash, long offset) {
    int mask = keys.length - 1;
    int i = slot(hash, mask);
    while (keys[i] != 0 && !(keys[i] == hash && offsets[i] == offset)) i = (i + 1) & mask;
    if (keys[i] == 0) return;
    int hole = i;
    for (int j = (hole + 1) & mask; keys[j] != 0; j = (j + 1) & mask) {
      int home = slot(keys[j], mask);
      // the entry at j may move into the hole if its home is not in (hole, j], cyclically
      boolean stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
      if (!stays) {
        keys[hole] = keys[j];
        offsets[hole] = offsets[j];
        hole = j;
      }
    }
    keys[hole] = 0;
  }

  private void growTable() {
    long[] oldKeys = keys;
    long[] oldOffsets = offsets;
    keys = new long[oldKeys.length * 2];
    offsets = new long[oldKeys.length * 2];
    int mask = keys.length - 1;
    for (int k = 0; k < oldKeys.length; k++) {
      if (oldKeys[k] == 0) continue;
      int i = slot(oldKeys[k], mask);
      while (keys[i] != 0) i = (i + 1) & mask;
      keys[i] = oldKeys[k];
      offsets[i] = oldOffsets[k];
    }
  }

  private void growQueue() {
    int n = queueKeys.length;
    long[] k = new long[n * 2];
    long[] o = new long[n * 2];
    long[] t = new long[n * 2];
    for (int x = 0; x < size; x++) {
      int from = (head + x) % n;
      k[x] = queueKeys[from];
      o[x] = queueOffsets[from];
      t[x] = queueTimes[from];
    }
    queueKeys = k;
    queueOffsets = o;
    queueTimes = t;
    head = 0;
  }

  private static int slot(long hash, int mask) {
    return (int) (hash ^ (hash >>> 32)) & mask;
  }
}
