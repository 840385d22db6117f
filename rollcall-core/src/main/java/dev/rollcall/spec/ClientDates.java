package dev.rollcall.spec;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The client's readings of its own clock in one message, each null when absent (or, for a message
 * that was not validated, not a date).
 */
record ClientDates(ClientDate sentAt, ClientDate originalTimestamp, ClientDate timestamp) {

  /** Reads the dates of {@code json}; what is not a date counts as absent. */
  static ClientDates read(ObjectNode json) {
    return new ClientDates(
        ClientDate.read(json.get("sentAt")),
        ClientDate.read(json.get("originalTimestamp")),
        ClientDate.read(json.get("timestamp")));
  }
}
