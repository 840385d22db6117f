package dev.rollcall.destination;

import dev.rollcall.Message;
import java.util.List;

/**
 * A tool that gets identify calls, in its own dialect: turns a normalized identify into that tool's
 * documented HTTP request(s). Implementations are pure (no I/O), stateless and safe for concurrent
 * use; each notes the API version it speaks.
 */
public interface Destination {
  /**
   * The name as Segment spells it in the {@code integrations} object: {@code Mixpanel}, {@code
   * Customer.io}.
   */
  String name();

  /**
   * The requests for one identify call.
   *
   * @param identify a normalized identify (reserved traits in camelCase, dates in ISO-8601 UTC)
   * @throws DestinationSettings.MissingSettingException when a required setting is not given
   */
  Plan plan(Message identify, DestinationSettings settings);

  /**
   * How many calls one request may carry: more than 1 when the tool's API takes batches (Mixpanel,
   * Amplitude), then {@link #batch} joins the single-call requests of several calls.
   */
  default int maxBatchSize() {
    return 1;
  }

  /**
   * One request carrying several calls, from each call's single request (the one request of its
   * {@link #plan}), in order. Only called with 2 to {@link #maxBatchSize()} requests.
   */
  default DestinationRequest batch(List<DestinationRequest> singles) {
    throw new UnsupportedOperationException(name() + " takes no batches");
  }

  /**
   * Why an answer the HTTP status calls a success is a rejection, or null when it is not: some
   * tools answer {@code 200} with an error in the body (Mixpanel). A rejection is permanent.
   */
  default String rejection(int status, String body) {
    return null;
  }

  /** The key destination names are matched by: lower case, letters and digits only. */
  static String key(String name) {
    StringBuilder key = new StringBuilder(name.length());
    for (int i = 0; i < name.length(); i++) {
      char c = Character.toLowerCase(name.charAt(i));
      if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) key.append(c);
    }
    return key.toString();
  }
}
