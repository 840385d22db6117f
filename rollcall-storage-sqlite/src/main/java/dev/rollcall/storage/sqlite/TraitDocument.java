package dev.rollcall.storage.sqlite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.internal.Json;
import dev.rollcall.profile.Stamp;
import dev.rollcall.profile.TraitValue;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * A profile's traits stored as one JSON document: {@code {"plan": {"v": "premium", "t":
 * 1424730535111, "r": 1424730535387, "m": "022bb90c-..."}}}, where {@code v} is the value and
 * {@code t}, {@code r}, {@code m} the stamp (timestamp and receivedAt in ms, messageId).
 */
final class TraitDocument {
  private TraitDocument() {}

  static Map<String, TraitValue> read(String doc) {
    Map<String, TraitValue> traits = new HashMap<>();
    if (doc == null) {
      return traits;
    }
    ObjectNode json;
    try {
      json = (ObjectNode) Json.read(doc.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("a stored trait document is not JSON", e);
    }
    Iterator<Map.Entry<String, JsonNode>> fields = json.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      JsonNode t = field.getValue();
      traits.put(
          field.getKey(),
          new TraitValue(
              t.get("v"),
              new Stamp(t.get("t").longValue(), t.get("r").longValue(), t.get("m").textValue())));
    }
    return traits;
  }

  static String write(Map<String, TraitValue> traits) {
    ObjectNode json = Json.object();
    for (Map.Entry<String, TraitValue> trait : traits.entrySet()) {
      ObjectNode t = json.putObject(trait.getKey());
      t.set("v", trait.getValue().value());
      Stamp stamp = trait.getValue().stamp();
      t.put("t", stamp.timestamp());
      t.put("r", stamp.receivedAt());
      t.put("m", stamp.messageId());
    }
    return Json.writeString(json);
  }
}
