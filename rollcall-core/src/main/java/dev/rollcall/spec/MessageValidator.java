package dev.rollcall.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.MessageType;

/**
 * The rules a call must obey to be accepted, checked in place on its JSON.
 *
 * <p>Besides checking, the validator settles the forms of the fields it knows so that later stages
 * need not look twice: ids sent as numbers become their string form (as Segment's API does), ids
 * that are null or empty are removed (they identify no one), and {@code traits}, {@code context},
 * {@code integrations} and {@code properties} sent as null are removed.
 */
final class MessageValidator {
  /** Segment's limit on {@code messageId}, in characters. */
  static final int MAX_MESSAGE_ID_LENGTH = 100;

  private static final String[] OBJECT_FIELDS = {"traits", "context", "integrations", "properties"};

  private MessageValidator() {}

  /** A call that passed: its type, and its dates as read while checking them. */
  record Valid(MessageType type, ClientDates dates) {}

  /**
   * Checks {@code json}, settling its ids in place, and returns its type with the dates it had to
   * read, so that the enricher does not read them again.
   *
   * @param impliedType the type named by the endpoint ({@code /v1/identify}), which wins over the
   *     body's {@code type}; null when the body must name it
   */
  static Valid check(ObjectNode json, MessageType impliedType) throws InvalidMessageException {
    MessageType type = type(json, impliedType);
    for (String field : OBJECT_FIELDS) {
      objectOrAbsent(json, field);
    }
    boolean hasUserId = id(json, "userId");
    boolean hasAnonymousId = id(json, "anonymousId");
    if (!hasUserId && !hasAnonymousId) {
      throw new InvalidMessageException("userId", "userId or anonymousId is required");
    }
    messageId(json);
    // in this order, so that of two bad dates the same one is reported as before
    ClientDate timestamp = date(json, "timestamp");
    ClientDate originalTimestamp = date(json, "originalTimestamp");
    ClientDate sentAt = date(json, "sentAt");
    switch (type) {
      case TRACK:
        requiredText(json, "event");
        break;
      case GROUP:
        if (!id(json, "groupId")) {
          throw new InvalidMessageException("groupId", "groupId is required for a group call");
        }
        break;
      case ALIAS:
        if (!id(json, "previousId")) {
          throw new InvalidMessageException(
              "previousId", "previousId is required for an alias call");
        }
        if (!hasUserId) {
          throw new InvalidMessageException("userId", "userId is required for an alias call");
        }
        break;
      case PAGE:
      case SCREEN:
        optionalText(json, "name");
        break;
      default:
        break;
    }
    return new Valid(type, new ClientDates(sentAt, originalTimestamp, timestamp));
  }

  private static MessageType type(ObjectNode json, MessageType impliedType)
      throws InvalidMessageException {
    if (impliedType != null) {
      json.put("type", impliedType.wireName());
      return impliedType;
    }
    JsonNode value = json.get("type");
    if (value == null || value.isNull()) {
      throw new InvalidMessageException("type", "type is required");
    }
    MessageType type = value.isTextual() ? MessageType.fromWireName(value.textValue()) : null;
    if (type == null) {
      throw new InvalidMessageException(
          "type",
          "type must be one of identify, track, page, screen, group, alias; got " + shortly(value));
    }
    return type;
  }

  private static void objectOrAbsent(ObjectNode json, String field) throws InvalidMessageException {
    JsonNode value = json.get(field);
    if (value == null || value.isObject()) {
      return;
    }
    if (value.isNull()) {
      json.remove(field);
      return;
    }
    throw new InvalidMessageException(field, field + " must be an object, not " + kind(value));
  }

  /** Settles an id field; true when it holds a non-empty string afterwards. */
  private static boolean id(ObjectNode json, String field) throws InvalidMessageException {
    JsonNode value = json.get(field);
    if (value == null) {
      return false;
    }
    if (value.isTextual()) {
      if (!value.textValue().isEmpty()) {
        return true;
      }
      json.remove(field);
      return false;
    }
    if (value.isNull()) {
      json.remove(field);
      return false;
    }
    if (value.isNumber()) {
      String text = numberText(value);
      if (text == null) {
        throw new InvalidMessageException(field, field + " is a number too long to be an id");
      }
      json.put(field, text);
      return true;
    }
    throw new InvalidMessageException(
        field, field + " must be a string or a number, not " + kind(value));
  }

  private static void messageId(ObjectNode json) throws InvalidMessageException {
    JsonNode value = json.get("messageId");
    if (value == null) {
      return;
    }
    if (value.isNull() || (value.isTextual() && value.textValue().isEmpty())) {
      json.remove("messageId");
      return;
    }
    if (value.isNumber()) {
      String text = numberText(value);
      if (text == null) {
        throw new InvalidMessageException(
            "messageId", "messageId is a number too long to be an id");
      }
      json.put("messageId", text);
    } else if (!value.isTextual()) {
      throw new InvalidMessageException(
          "messageId", "messageId must be a string, not " + kind(value));
    }
    if (json.get("messageId").textValue().length() > MAX_MESSAGE_ID_LENGTH) {
      throw new InvalidMessageException(
          "messageId", "messageId is longer than " + MAX_MESSAGE_ID_LENGTH + " characters");
    }
  }

  /** Checks a date field; returns its date, or null when it is absent (or was null, removed). */
  private static ClientDate date(ObjectNode json, String field) throws InvalidMessageException {
    JsonNode value = json.get(field);
    if (value == null) {
      return null;
    }
    if (value.isNull()) {
      json.remove(field);
      return null;
    }
    ClientDate date = ClientDate.read(value);
    if (date == null) {
      throw new InvalidMessageException(
          field, field + " is not a date (ISO-8601 or Unix time): " + shortly(value));
    }
    return date;
  }

  private static void requiredText(ObjectNode json, String field) throws InvalidMessageException {
    JsonNode value = json.get(field);
    String type = json.get("type").textValue();
    if (value == null || value.isNull() || (value.isTextual() && value.textValue().isEmpty())) {
      throw new InvalidMessageException(field, field + " is required for a " + type + " call");
    }
    if (!value.isTextual()) {
      throw new InvalidMessageException(field, field + " must be a string, not " + kind(value));
    }
  }

  private static void optionalText(ObjectNode json, String field) throws InvalidMessageException {
    JsonNode value = json.get(field);
    if (value != null && !value.isTextual() && !value.isNull()) {
      throw new InvalidMessageException(field, field + " must be a string, not " + kind(value));
    }
  }

  /**
   * The string form of a JSON number: {@code 12}, {@code 12.5}, never an exponent; null when it
   * would be longer than {@link #MAX_MESSAGE_ID_LENGTH} characters ({@code 1e1000000000} is 12
   * bytes of JSON and a billion digits written out).
   */
  static String numberText(JsonNode number) {
    java.math.BigDecimal decimal = number.decimalValue().stripTrailingZeros();
    int integerDigits = Math.max(1, decimal.precision() - decimal.scale());
    int fractionDigits = Math.max(0, decimal.scale());
    if (integerDigits + fractionDigits > MAX_MESSAGE_ID_LENGTH) {
      return null;
    }
    return number.isIntegralNumber()
        ? number.bigIntegerValue().toString()
        : decimal.toPlainString();
  }

  /** How a JSON value is called in error messages: {@code a number}, {@code an array}, ... */
  static String kind(JsonNode value) {
    JsonNodeType type = value.getNodeType();
    switch (type) {
      case ARRAY:
        return "an array";
      case OBJECT:
        return "an object";
      case BOOLEAN:
        return "a boolean";
      case NUMBER:
        return "a number";
      case STRING:
        return "a string";
      case NULL:
        return "null";
      default:
        return type.name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** The value as JSON, cut to 40 characters, for an error message. */
  static String shortly(JsonNode value) {
    String text = value.toString();
    return text.length() <= 40 ? text : text.substring(0, 37) + "...";
  }
}
