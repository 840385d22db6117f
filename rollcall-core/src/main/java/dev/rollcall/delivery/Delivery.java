package dev.rollcall.delivery;

/**
 * One call on its way to one destination.
 *
 * @param id the queue's id; increasing in the order deliveries were enqueued
 * @param personKey the person's best-known id; one person's deliveries to a destination go in order
 * @param message the normalized call, UTF-8 JSON
 * @param nextAttemptAtMillis when it is due, in ms since the epoch
 * @param lastError the last failure ("HTTP 400: body...", "timeout", a skip reason), or null
 */
public record Delivery(
    long id,
    String destination,
    String personKey,
    String messageId,
    byte[] message,
    DeliveryStatus status,
    int attempts,
    long nextAttemptAtMillis,
    String lastError) {}
