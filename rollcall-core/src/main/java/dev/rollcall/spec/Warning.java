package dev.rollcall.spec;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.internal.Json;

/**
 * Something odd about an accepted message that did not stop it: a reserved trait of the wrong type,
 * a snake_case twin that was dropped, a date that could not be read.
 *
 * @param path where in the message, such as {@code traits.email}
 * @param reason what is wrong, for a person to read
 */
public record Warning(String path, String reason) {
  public ObjectNode toJson() {
    ObjectNode json = Json.object();
    json.put("warning", reason);
    json.put("path", path);
    return json;
  }
}
