package dev.rollcall.destination;

import java.util.List;

/**
 * What a destination does with one call: the requests to send, in order, or nothing, with the
 * reason (Mailchimp without an email, say). A skipped call is recorded as skipped, never dropped
 * silently.
 */
public final class Plan {
  private final List<DestinationRequest> requests;
  private final String skipReason;

  private Plan(List<DestinationRequest> requests, String skipReason) {
    this.requests = requests;
    this.skipReason = skipReason;
  }

  public static Plan send(DestinationRequest... requests) {
    if (requests.length == 0) throw new IllegalArgumentException("no requests; use skip(reason)");
    return new Plan(List.of(requests), null);
  }

  public static Plan send(List<DestinationRequest> requests) {
    if (requests.isEmpty()) throw new IllegalArgumentException("no requests; use skip(reason)");
    return new Plan(List.copyOf(requests), null);
  }

  public static Plan skip(String reason) {
    if (reason == null) throw new NullPointerException("reason == null");
    return new Plan(List.of(), reason);
  }

  public List<DestinationRequest> requests() {
    return requests;
  }

  public boolean skipped() {
    return skipReason != null;
  }

  /** Why nothing is sent, or null. */
  public String skipReason() {
    return skipReason;
  }
}
