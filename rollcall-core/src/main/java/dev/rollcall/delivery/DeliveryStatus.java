package dev.rollcall.delivery;

/** Where one call stands with one destination. */
public enum DeliveryStatus {
  /** Waiting for its first attempt. */
  PENDING,
  /** Failed in a way that may pass (network error, 429, most 5xx); waiting for its next attempt. */
  RETRYING,
  /** The destination accepted it. */
  DELIVERED,
  /** The destination does not take this call (Mailchimp without an email, say); with the reason. */
  SKIPPED,
  /** Failed for good (another 4xx, or retries used up): in the dead-letter queue until replayed. */
  DEAD
}
