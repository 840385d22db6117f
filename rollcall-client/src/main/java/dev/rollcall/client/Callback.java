package dev.rollcall.client;

/**
 * Hears what became of each message: delivered (the server answered 2xx and did not reject it), or
 * failed, once, with the reason.
 *
 * <p>Threads: a failure found while enqueueing ({@link DeliveryException.Reason#QUEUE_FULL}, {@link
 * DeliveryException.Reason#TOO_LARGE}, {@link DeliveryException.Reason#UNWRITABLE}, {@link
 * DeliveryException.Reason#CLOSED}) is reported on the thread that enqueued; the outcome of a
 * request on one of the client's HTTP threads. Keep callbacks short: they delay the next response's
 * handling. An exception thrown by a callback is logged and otherwise ignored.
 */
public interface Callback {
  /** Does nothing. */
  Callback NONE =
      new Callback() {
        @Override
        public void success(Message message) {}

        @Override
        public void failure(Message message, DeliveryException error) {}
      };

  /** The server acknowledged {@code message}. */
  void success(Message message);

  /** {@code message} was not delivered and will not be retried. */
  void failure(Message message, DeliveryException error);
}
