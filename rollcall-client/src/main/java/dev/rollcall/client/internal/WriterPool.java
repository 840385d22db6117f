package dev.rollcall.client.internal;

import dev.rollcall.client.Message;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Lends {@link MessageWriter}s to the threads that enqueue, so that a message is written without
 * creating a generator and its buffers each time, and without a lock: each thread takes the writer
 * in the slot its id maps to (an atomic swap), and puts it back after. A thread that finds the slot
 * empty (another thread holds that writer) makes a new writer, kept if the slot is free again.
 * Unlike a {@code ThreadLocal}, the pool stays small with many short-lived threads.
 */
public final class WriterPool {
  private final AtomicReferenceArray<MessageWriter> slots;
  private final int mask;

  public WriterPool() {
    int processors = Runtime.getRuntime().availableProcessors();
    int size = Integer.highestOneBit(Math.max(4, Math.min(64, processors * 2)) * 2 - 1);
    this.slots = new AtomicReferenceArray<>(size);
    this.mask = size - 1;
  }

  /** The message's JSON; {@link UnwritableValueException} when a value has no JSON form. */
  public byte[] write(Message message) {
    int slot = (int) Thread.currentThread().getId() & mask;
    MessageWriter writer = slots.getAndSet(slot, null);
    if (writer == null) {
      writer = new MessageWriter();
    }
    byte[] json = writer.write(message); // on a throw, the writer is dropped: it is mid-object
    slots.compareAndSet(slot, null, writer);
    return json;
  }
}
