package dev.rollcall.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The one JSON mapper of Rollcall.
 *
 * <p>Floats are read as {@link java.math.BigDecimal} so that a client's numbers are written back
 * exactly as they were sent ({@code 1.10} stays {@code 1.10}, long fractions keep every digit).
 * Nesting is bounded (64 levels) so that a hostile body cannot exhaust the stack; Segment's own
 * payloads are never deeper than about six.
 */
public final class Json {
  /** Deepest nesting of objects and arrays accepted in one message. */
  public static final int MAX_NESTING_DEPTH = 64;

  public static final ObjectMapper MAPPER = newMapper(MAX_NESTING_DEPTH);

  /** Writes trees with the serializer looked up once, not on every call. */
  private static final com.fasterxml.jackson.databind.ObjectWriter TREE_WRITER =
      MAPPER.writerFor(JsonNode.class);

  /** Reads whole documents: anything after the first value is an error, not silently dropped. */
  private static final ObjectReader DOCUMENT_READER =
      MAPPER.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  /**
   * Reads documents that hold a message one level down, such as a line of {@code rollcall export}
   * ({@code {"source": ..., "message": {...}}}): one level more than {@link #MAX_NESTING_DEPTH}, so
   * that every message the collector took can be read back inside its wrapper.
   */
  private static final ObjectReader ENVELOPE_READER =
      newMapper(MAX_NESTING_DEPTH + 1)
          .reader()
          .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private Json() {}

  private static ObjectMapper newMapper(int maxNestingDepth) {
    JsonMapper mapper =
        JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            // an emoji (a surrogate pair) as its 4 UTF-8 bytes, not as two escaped halves: what
            // the client sent, and what the String writer gives too
            .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .build();
    mapper
        .getFactory()
        .setStreamReadConstraints(
            StreamReadConstraints.builder().maxNestingDepth(maxNestingDepth).build());
    return mapper;
  }

  /**
   * Reads one JSON document; throws {@link JsonProcessingException} on anything that is not: a
   * second document after the first, or bytes that are not strict UTF-8 (Jackson's own decoder lets
   * overlong forms and code points above U+10FFFF through).
   */
  public static JsonNode read(byte[] bytes) throws IOException {
    return read(DOCUMENT_READER, bytes);
  }

  private static JsonNode read(ObjectReader reader, byte[] bytes) throws IOException {
    Utf8.check(bytes);
    JsonNode node;
    try {
      node = reader.readTree(bytes);
    } catch (NumberFormatException e) {
      throw new NumberOutOfRangeException(e);
    }
    if (node == null || node.isMissingNode()) {
      throw new EmptyBodyException();
    }
    return node;
  }

  /**
   * Reads one JSON document whose messages sit one level down, as {@link #read} does, but with room
   * for that level: {@code {"source": ..., "message": {...}}}, the message as deep as {@link
   * #MAX_NESTING_DEPTH}.
   *
   * @throws TooDeepException when the document is deeper than that (so its message is deeper than
   *     the collector takes)
   */
  public static JsonNode readEnvelope(byte[] bytes) throws IOException {
    try {
      return read(ENVELOPE_READER, bytes);
    } catch (StreamConstraintsException e) {
      // Jackson has no type of its own for the nesting limit among its stream constraints
      String message = e.getOriginalMessage();
      if (message != null && message.startsWith("Document nesting depth")) {
        throw new TooDeepException(e);
      }
      throw e;
    }
  }

  /**
   * Reads the value at the parser's current token as a tree, as {@link #read} does: a number that
   * cannot be held is an {@link IOException}, not a {@link NumberFormatException}.
   */
  public static JsonNode readTree(JsonParser parser) throws IOException {
    try {
      return parser.readValueAsTree();
    } catch (NumberFormatException e) {
      throw new NumberOutOfRangeException(e);
    }
  }

  /** Throws when {@code bytes} are not strict UTF-8; for bodies read with a streaming parser. */
  public static void checkUtf8(byte[] bytes) throws IOException {
    Utf8.check(bytes);
  }

  public static byte[] write(JsonNode node) {
    try {
      return TREE_WRITER.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static String writeString(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  /**
   * A number whose exponent is beyond what {@link java.math.BigDecimal} holds ({@code 1e9999999999}
   * is valid JSON): Jackson throws a {@link NumberFormatException} for it, which is no {@link
   * IOException}, so a caller that handles unreadable bodies would let it through.
   */
  public static final class NumberOutOfRangeException extends IOException {
    private static final long serialVersionUID = 1L;

    NumberOutOfRangeException(NumberFormatException cause) {
      super("a number's exponent is out of range", cause);
    }
  }

  /**
   * Thrown by {@link #readEnvelope} for a message nested deeper than {@link #MAX_NESTING_DEPTH}.
   */
  public static final class TooDeepException extends IOException {
    private static final long serialVersionUID = 1L;

    TooDeepException(StreamConstraintsException cause) {
      super(
          "the message is nested deeper than "
              + MAX_NESTING_DEPTH
              + " levels of objects and arrays, the most the collector takes",
          cause);
    }
  }

  /** Thrown by {@link #read} for an empty document. */
  public static final class EmptyBodyException extends IOException {
    private static final long serialVersionUID = 1L;

    EmptyBodyException() {
      super("the body is empty");
    }
  }
}
