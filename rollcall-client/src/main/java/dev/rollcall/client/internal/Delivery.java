package dev.rollcall.client.internal;

import dev.rollcall.client.Callback;
import dev.rollcall.client.DeliveryException;
import dev.rollcall.client.Message;
import java.lang.System.Logger.Level;

/** Tells the application's {@link Callback} what became of each message, shielded from it. */
public final class Delivery {
  static final System.Logger LOG = System.getLogger("dev.rollcall.client");

  /** The callback when none is given: failures are logged, successes are not. */
  public static final Callback LOG_FAILURES =
      new Callback() {
        @Override
        public void success(Message message) {}

        @Override
        public void failure(Message message, DeliveryException error) {
          LOG.log(
              Level.WARNING,
              "{0} was not delivered ({1}): {2}",
              message,
              error.reason(),
              error.getMessage());
        }
      };

  private final Callback callback;

  public Delivery(Callback callback) {
    this.callback = callback;
  }

  public void success(Message message) {
    try {
      callback.success(message);
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable e) { // a callback's bug must not stop the client's threads
      LOG.log(Level.WARNING, "the callback threw on success of " + message, e);
    }
  }

  public void failure(Message message, DeliveryException error) {
    try {
      callback.failure(message, error);
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable e) {
      LOG.log(Level.WARNING, "the callback threw on failure of " + message, e);
    }
  }
}
