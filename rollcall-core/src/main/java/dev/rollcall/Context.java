package dev.rollcall;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.internal.Json;

/**
 * The {@code context} of a call: facts about the request that are not the call itself.
 *
 * <p>The accessors cover the standard fields of Segment's common spec; anything else the client put
 * in {@code context} is in {@link #json()} as it was sent. Object fields that are absent read as
 * empty objects, string fields as null.
 */
public final class Context {
  private final ObjectNode json;

  Context(ObjectNode json) {
    this.json = json;
  }

  public String ip() {
    return text("ip");
  }

  public String userAgent() {
    return text("userAgent");
  }

  public String locale() {
    return text("locale");
  }

  public String timezone() {
    return text("timezone");
  }

  public String groupId() {
    return text("groupId");
  }

  /** {@code name} and {@code version} of the library that sent the call. */
  public ObjectNode library() {
    return object("library");
  }

  public ObjectNode page() {
    return object("page");
  }

  public ObjectNode app() {
    return object("app");
  }

  public ObjectNode device() {
    return object("device");
  }

  public ObjectNode os() {
    return object("os");
  }

  public ObjectNode campaign() {
    return object("campaign");
  }

  public ObjectNode location() {
    return object("location");
  }

  public ObjectNode network() {
    return object("network");
  }

  public ObjectNode screen() {
    return object("screen");
  }

  /** The current user's traits, sent with calls other than identify. */
  public ObjectNode traits() {
    return object("traits");
  }

  public ObjectNode json() {
    return json;
  }

  private String text(String field) {
    JsonNode value = json.get(field);
    return value != null && value.isTextual() ? value.textValue() : null;
  }

  private ObjectNode object(String field) {
    JsonNode value = json.get(field);
    return value instanceof ObjectNode ? (ObjectNode) value : Json.object();
  }
}
