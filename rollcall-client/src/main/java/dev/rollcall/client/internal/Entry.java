package dev.rollcall.client.internal;

import dev.rollcall.client.Message;

/** A message waiting to be sent, already written as JSON (so its size is known). */
public final class Entry {
  final Message message;
  final byte[] json;

  public Entry(Message message, byte[] json) {
    this.message = message;
    this.json = json;
  }

  public Message message() {
    return message;
  }
}
