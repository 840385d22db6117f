package dev.rollcall.storage.sqlite;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.rollcall.internal.Json;
import dev.rollcall.profile.Stamp;
import dev.rollcall.profile.TraitValue;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * A profile's traits stored as one JSON document: {@code {"plan": {"v": "premium", "t":
 * 1424730535111, "r": 1424730535387, "m": "022bb90c-..."}}}, where {@code v} is the value and
 * {@code t}, {@code r}, {@code m} the stamp (timestamp and receivedAt in ms, messageId).
 *
 * <p>Read and written with Jackson's streaming parser and generator, not as a tree: every identify
 * call reads and writes its profile's document, and a tree of it (an object and four nodes per
 * trait, most of them the stamp's) cost the processor about a quarter of its time per call. Only a
 * value that is an object or an array becomes a tree, as the value of the trait. The document is
 * written as UTF-8 bytes (a BLOB in SQLite), and read from either those bytes or the TEXT that
 * earlier releases wrote, which holds the same bytes.
 */
final class TraitDocument {
  /** Serializes value nodes without looking a serializer up for each. */
  private static final SerializerProvider SERIALIZERS = Json.MAPPER.getSerializerProviderInstance();

  /** A document's usual size is a few hundred bytes (a dozen traits of about 60 each). */
  private static final int INITIAL_BYTES = 1024;

  private TraitDocument() {}

  static Map<String, TraitValue> read(String doc) {
    return doc == null ? new HashMap<>() : read(doc.getBytes(StandardCharsets.UTF_8));
  }

  static Map<String, TraitValue> read(byte[] doc) {
    Map<String, TraitValue> traits = new HashMap<>();
    if (doc == null) {
      return traits;
    }
    try (JsonParser parser = Json.MAPPER.createParser(doc)) {
      expect(parser.nextToken(), JsonToken.START_OBJECT);
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        expect(parser.nextToken(), JsonToken.START_OBJECT);
        traits.put(name, readTrait(parser));
      }
      expect(parser.currentToken(), JsonToken.END_OBJECT);
    } catch (IOException e) {
      throw new UncheckedIOException("a stored trait document is not readable", e);
    }
    return traits;
  }

  /**
   * One trait's {@code {"v", "t", "r", "m"}}, its fields in any order; the parser is on its '{'.
   */
  private static TraitValue readTrait(JsonParser parser) throws IOException {
    JsonNode value = null;
    long timestamp = 0;
    long receivedAt = 0;
    String messageId = null;
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      JsonToken token = parser.nextToken();
      switch (field) {
        case "v":
          value = value(parser, token);
          break;
        case "t":
          timestamp = parser.getLongValue();
          break;
        case "r":
          receivedAt = parser.getLongValue();
          break;
        case "m":
          messageId = parser.getValueAsString();
          break;
        default:
          parser.skipChildren(); // written by a later release: not ours to read
      }
    }
    if (value == null || messageId == null) {
      throw new IOException("a stored trait lacks its value or its stamp");
    }
    return new TraitValue(value, new Stamp(timestamp, receivedAt, messageId));
  }

  /**
   * The value at the parser's current token. Strings, booleans and null, nearly every trait, are
   * made directly; numbers and containers are read as {@link Json#read} reads them (exact decimals,
   * big integers), so a value comes back as it went in.
   */
  private static JsonNode value(JsonParser parser, JsonToken token) throws IOException {
    switch (token) {
      case VALUE_STRING:
        return TextNode.valueOf(parser.getText());
      case VALUE_TRUE:
        return BooleanNode.TRUE;
      case VALUE_FALSE:
        return BooleanNode.FALSE;
      case VALUE_NULL:
        return NullNode.getInstance();
      default:
        return Json.readTree(parser);
    }
  }

  private static void expect(JsonToken actual, JsonToken expected) throws IOException {
    if (actual != expected) {
      throw new IOException("expected " + expected + " in a trait document, found " + actual);
    }
  }

  /** The document as UTF-8 JSON. */
  static byte[] write(Map<String, TraitValue> traits) {
    ByteArrayBuilder bytes = new ByteArrayBuilder(INITIAL_BYTES);
    try (JsonGenerator json = Json.MAPPER.createGenerator(bytes)) {
      json.writeStartObject();
      for (Map.Entry<String, TraitValue> trait : traits.entrySet()) {
        json.writeFieldName(trait.getKey());
        json.writeStartObject();
        json.writeFieldName("v");
        trait.getValue().value().serialize(json, SERIALIZERS);
        Stamp stamp = trait.getValue().stamp();
        json.writeNumberField("t", stamp.timestamp());
        json.writeNumberField("r", stamp.receivedAt());
        json.writeStringField("m", stamp.messageId());
        json.writeEndObject();
      }
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }
}
