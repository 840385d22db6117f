package dev.rollcall.client.internal;

import java.security.SecureRandom;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Message ids in UUID form, unique without a random draw per message.
 *
 * <p>{@link UUID#randomUUID()} takes a lock on a shared {@code SecureRandom} for each id, which
 * concurrent producers contend for. Ids only need to be unique (servers drop a repeated id as a
 * duplicate), so each client draws 122 random bits once and numbers its messages: the high 64 bits
 * are the client's (version 8, "custom", of RFC 9562), the low 64 bits its random start plus a
 * counter (with the RFC's variant bits). Two clients collide only if their random parts do.
 */
public final class MessageIds {
  private final long high;
  private final AtomicLong low;

  public MessageIds() {
    this(new SecureRandom());
  }

  MessageIds(java.util.Random random) {
    this.high = (random.nextLong() & ~0xF000L) | 0x8000L; // version 8
    this.low = new AtomicLong(random.nextLong());
  }

  public String next() {
    long counter = low.getAndIncrement();
    return new UUID(high, (counter & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L).toString();
  }
}
