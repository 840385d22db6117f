package dev.rollcall.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.Message;
import dev.rollcall.MessageType;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns what a client sent into a {@link Message}: validate, enrich, normalize reserved traits.
 *
 * <p>Pure apart from the injected clock (and the random ids it gives messages without one), and
 * safe for concurrent use. The rules are in {@link MessageValidator}, {@link Enricher} and {@link
 * ReservedTraits}. Reserved traits are normalized in an identify's {@code traits} and in {@code
 * context.traits} of every call, which carries the user's traits on the other call types.
 */
public final class MessageNormalizer {
  private final Enricher enricher;

  public MessageNormalizer(Clock clock) {
    if (clock == null) throw new NullPointerException("clock == null");
    this.enricher = new Enricher(clock);
  }

  /**
   * Normalizes one message. {@code raw} becomes part of the result when it is an object: the caller
   * hands it over and must not use it afterwards.
   *
   * @param impliedType the type named by the endpoint, or null when the body's {@code type} decides
   * @param ip the client's address for {@code context.ip}, or null when unknown
   */
  public Outcome normalize(JsonNode raw, MessageType impliedType, String ip) {
    if (!(raw instanceof ObjectNode)) {
      return Outcome.rejected(
          "a message must be a JSON object, not " + MessageValidator.kind(raw), "");
    }
    ObjectNode json = (ObjectNode) raw;
    MessageValidator.Valid valid;
    try {
      valid = MessageValidator.check(json, impliedType);
    } catch (InvalidMessageException e) {
      return Outcome.rejected(e.reason(), e.path());
    }
    MessageType type = valid.type();
    enricher.enrich(json, ip, valid.dates());
    List<Warning> warnings = new ArrayList<>(0);
    if (type == MessageType.IDENTIFY && json.get("traits") instanceof ObjectNode) {
      ReservedTraits.normalize((ObjectNode) json.get("traits"), "traits", warnings);
    }
    JsonNode context = json.get("context");
    if (context != null && context.get("traits") instanceof ObjectNode) {
      ReservedTraits.normalize((ObjectNode) context.get("traits"), "context.traits", warnings);
    }
    return Outcome.accepted(new Message(type, json), warnings);
  }
}
