package dev.rollcall.client.internal;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.SerializedString;
import dev.rollcall.client.Alias;
import dev.rollcall.client.Group;
import dev.rollcall.client.Identify;
import dev.rollcall.client.Message;
import dev.rollcall.client.Track;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.time.Instant;
import java.time.temporal.TemporalAccessor;
import java.time.temporal.TemporalAmount;
import java.util.Arrays;
import java.util.Date;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes one message as the JSON object that goes into a batch, with Jackson's streaming generator:
 * no tree, no reflection. One writer is reused for many messages, by one thread at a time ({@link
 * WriterPool}); its generator, buffers and date characters are kept between messages.
 *
 * <p>Field order follows Segment's libraries: {@code type}, {@code messageId}, {@code timestamp},
 * the ids, the call's own fields, {@code context} (with {@code library}), {@code integrations}.
 */
public final class MessageWriter {
  /**
   * The deepest a value may nest, its field's own map or list counting as 1 ({@code traits: {a:
   * [1]}} is 2). A server reads at most 64 levels of a request body (Rollcall's collector, after
   * Jackson's default), and a batch's object and array and the message itself take 3: a message
   * nested deeper was refused, and with it the whole batch it was in. Also what stops a map that
   * contains itself.
   */
  static final int MAX_DEPTH = 61;

  private static final JsonFactory FACTORY =
      new JsonFactoryBuilder().rootValueSeparator((String) null).build();

  private static final SerializableString TYPE = new SerializedString("type");
  private static final SerializableString MESSAGE_ID = new SerializedString("messageId");
  private static final SerializableString TIMESTAMP = new SerializedString("timestamp");
  private static final SerializableString USER_ID = new SerializedString("userId");
  private static final SerializableString ANONYMOUS_ID = new SerializedString("anonymousId");
  private static final SerializableString TRAITS = new SerializedString("traits");
  private static final SerializableString EVENT = new SerializedString("event");
  private static final SerializableString PROPERTIES = new SerializedString("properties");
  private static final SerializableString PREVIOUS_ID = new SerializedString("previousId");
  private static final SerializableString GROUP_ID = new SerializedString("groupId");
  private static final SerializableString CONTEXT = new SerializedString("context");
  private static final SerializableString INTEGRATIONS = new SerializedString("integrations");
  private static final SerializableString LIBRARY = new SerializedString("library");
  private static final SerializableString NAME = new SerializedString("name");
  private static final SerializableString VERSION = new SerializedString("version");
  private static final SerializableString LIBRARY_NAME = new SerializedString(Version.LIBRARY_NAME);
  private static final SerializableString LIBRARY_VERSION = new SerializedString(Version.VERSION);

  private final Sink sink = new Sink();
  private final JsonGenerator json;
  private final char[] time = new char[Iso8601.LENGTH];

  public MessageWriter() {
    try {
      json = FACTORY.createGenerator(sink, JsonEncoding.UTF8);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // not thrown for an in-memory sink
    }
    json.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
  }

  /**
   * The message's JSON (UTF-8). Throws {@link UnwritableValueException} for a value that has no
   * JSON form; the writer must then be discarded, its generator being mid-object.
   */
  public byte[] write(Message message) {
    try {
      writeMessage(message);
      json.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // not thrown for an in-memory sink
    }
    return sink.take();
  }

  private void writeMessage(Message message) throws IOException {
    json.writeStartObject();
    json.writeFieldName(TYPE);
    json.writeString(message.type());
    json.writeFieldName(MESSAGE_ID);
    json.writeString(message.messageId());
    json.writeFieldName(TIMESTAMP);
    writeInstant(message.timestamp());
    if (message.userId() != null) {
      json.writeFieldName(USER_ID);
      json.writeString(message.userId());
    }
    if (message.anonymousId() != null) {
      json.writeFieldName(ANONYMOUS_ID);
      json.writeString(message.anonymousId());
    }
    if (message instanceof Identify) {
      writeMap(TRAITS, ((Identify) message).traits());
    } else if (message instanceof Track) {
      Track track = (Track) message;
      json.writeFieldName(EVENT);
      json.writeString(track.event());
      writeMap(PROPERTIES, track.properties());
    } else if (message instanceof Alias) {
      json.writeFieldName(PREVIOUS_ID);
      json.writeString(((Alias) message).previousId());
    } else if (message instanceof Group) {
      Group group = (Group) message;
      json.writeFieldName(GROUP_ID);
      json.writeString(group.groupId());
      writeMap(TRAITS, group.traits());
    }
    writeContext(message.context());
    writeMap(INTEGRATIONS, message.integrations());
    json.writeEndObject();
  }

  /** A top-level map field, when present. */
  private void writeMap(SerializableString name, Map<String, ?> map) throws IOException {
    if (map == null) {
      return;
    }
    json.writeFieldName(name);
    try {
      writeObject(map, 1);
    } catch (UnwritableValueException e) {
      throw e.under(name.getValue());
    }
  }

  /** The caller's context with {@code library} added, unless the caller set one. */
  private void writeContext(Map<String, ?> context) throws IOException {
    json.writeFieldName(CONTEXT);
    json.writeStartObject();
    boolean hasLibrary = false;
    if (context != null) {
      try {
        hasLibrary = writeEntries(context, 1);
      } catch (UnwritableValueException e) {
        throw e.under("context");
      }
    }
    if (!hasLibrary) {
      json.writeFieldName(LIBRARY);
      json.writeStartObject();
      json.writeFieldName(NAME);
      json.writeString(LIBRARY_NAME);
      json.writeFieldName(VERSION);
      json.writeString(LIBRARY_VERSION);
      json.writeEndObject();
    }
    json.writeEndObject();
  }

  private void writeObject(Map<?, ?> map, int depth) throws IOException {
    json.writeStartObject();
    writeEntries(map, depth);
    json.writeEndObject();
  }

  /** Writes the entries of {@code map}; answers whether one of them is {@code library}. */
  private boolean writeEntries(Map<?, ?> map, int depth) throws IOException {
    if (depth > MAX_DEPTH) {
      throw new UnwritableValueException(
          "nested deeper than "
              + MAX_DEPTH
              + " levels, the most a server reads in a batch (does a map contain itself?)");
    }
    boolean hasLibrary = false;
    for (Map.Entry<?, ?> entry : map.entrySet()) {
      Object key = entry.getKey();
      if (key == null) {
        throw new UnwritableValueException("a map has a null key");
      }
      String name = key instanceof String ? (String) key : key.toString();
      if (hasLoneSurrogate(name)) {
        // written escaped, a server's parser refuses it in a name (values may hold one), and the
        // whole batch with it
        throw new UnwritableValueException(
            "the name \""
                + name
                + "\" holds half of a surrogate pair (a character cut in two), which no JSON"
                + " parser takes in a name");
      }
      hasLibrary |= name.equals("library");
      json.writeFieldName(name);
      try {
        writeValue(entry.getValue(), depth);
      } catch (UnwritableValueException e) {
        throw e.under("." + name);
      }
    }
    return hasLibrary;
  }

  private void writeValue(Object value, int depth) throws IOException {
    if (value == null) {
      json.writeNull();
    } else if (value instanceof String) {
      json.writeString((String) value);
    } else if (value instanceof Number) {
      writeNumber((Number) value);
    } else if (value instanceof Boolean) {
      json.writeBoolean((Boolean) value);
    } else if (value instanceof Map) {
      writeObject((Map<?, ?>) value, depth + 1);
    } else if (isArray(value)) {
      writeArray(value, depth + 1);
    } else if (value instanceof Instant) {
      writeInstant((Instant) value);
    } else if (value instanceof Date) {
      writeMillis(((Date) value).getTime());
    } else if (value instanceof CharSequence
        || value instanceof Character
        || value instanceof Enum
        || value instanceof UUID
        || value instanceof URI
        || value instanceof TemporalAccessor
        || value instanceof TemporalAmount) {
      json.writeString(value.toString());
    } else {
      throw new UnwritableValueException(
          "cannot write a "
              + value.getClass().getName()
              + " as JSON; use maps, lists, strings, numbers, booleans or dates");
    }
  }

  private static boolean isArray(Object value) {
    return value instanceof Iterable
        || value instanceof Object[]
        || value instanceof int[]
        || value instanceof long[]
        || value instanceof double[]
        || value instanceof boolean[];
  }

  /** A list or an array, itself at nesting level {@code depth}. */
  private void writeArray(Object value, int depth) throws IOException {
    if (depth > MAX_DEPTH) {
      throw new UnwritableValueException(
          "nested deeper than "
              + MAX_DEPTH
              + " levels, the most a server reads in a batch (does a list contain itself?)");
    }
    if (value instanceof Iterable) {
      json.writeStartArray();
      int i = 0;
      for (Object element : (Iterable<?>) value) {
        writeElement(element, i++, depth);
      }
      json.writeEndArray();
    } else if (value instanceof Object[]) {
      Object[] array = (Object[]) value;
      json.writeStartArray();
      for (int i = 0; i < array.length; i++) {
        writeElement(array[i], i, depth);
      }
      json.writeEndArray();
    } else if (value instanceof int[]) {
      int[] array = (int[]) value;
      json.writeArray(array, 0, array.length);
    } else if (value instanceof long[]) {
      long[] array = (long[]) value;
      json.writeArray(array, 0, array.length);
    } else if (value instanceof double[]) {
      double[] array = (double[]) value;
      for (double element : array) finite(element);
      json.writeArray(array, 0, array.length);
    } else {
      json.writeStartArray();
      for (boolean b : (boolean[]) value) {
        json.writeBoolean(b);
      }
      json.writeEndArray();
    }
  }

  /** One element of a list at nesting level {@code depth}; a map or list in it is one deeper. */
  private void writeElement(Object element, int index, int depth) throws IOException {
    try {
      writeValue(element, depth);
    } catch (UnwritableValueException e) {
      throw e.under("[" + index + "]");
    }
  }

  private void writeNumber(Number number) throws IOException {
    if (number instanceof Integer || number instanceof Short || number instanceof Byte) {
      json.writeNumber(number.intValue());
    } else if (number instanceof Long
        || number instanceof AtomicLong
        || number instanceof AtomicInteger) {
      json.writeNumber(number.longValue());
    } else if (number instanceof Double) {
      json.writeNumber(finite(number.doubleValue()));
    } else if (number instanceof Float) {
      finite(number.floatValue());
      json.writeNumber(number.floatValue());
    } else if (number instanceof BigDecimal) {
      json.writeNumber((BigDecimal) number);
    } else if (number instanceof BigInteger) {
      json.writeNumber((BigInteger) number);
    } else {
      json.writeNumber(finite(number.doubleValue()));
    }
  }

  /**
   * The number, if JSON has a form for it: NaN and the infinities have none (Jackson would write
   * them as the strings "NaN" and "Infinity", a number trait turned into a string without a word).
   */
  private static double finite(double number) {
    if (!Double.isFinite(number)) {
      throw new UnwritableValueException(number + " is not a number JSON can hold");
    }
    return number;
  }

  /** Whether {@code text} holds a surrogate that is not half of a pair. */
  static boolean hasLoneSurrogate(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return true;
      }
    }
    return false;
  }

  private void writeInstant(Instant instant) throws IOException {
    if (Iso8601.inRange(instant)) {
      writeMillis(instant.toEpochMilli());
    } else {
      json.writeString(instant.toString());
    }
  }

  private void writeMillis(long epochMillis) throws IOException {
    if (Iso8601.inRange(epochMillis)) {
      Iso8601.format(epochMillis, time, 0);
      json.writeString(time, 0, Iso8601.LENGTH);
    } else {
      json.writeString(Instant.ofEpochMilli(epochMillis).toString());
    }
  }

  /** Collects the generator's output; {@link #take} hands out a message and starts over. */
  private static final class Sink extends OutputStream {
    private byte[] buffer = new byte[1024];
    private int size;

    @Override
    public void write(int b) {
      ensure(1);
      buffer[size++] = (byte) b;
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
      ensure(length);
      System.arraycopy(bytes, offset, buffer, size, length);
      size += length;
    }

    private void ensure(int more) {
      if (size + more > buffer.length) {
        buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, size + more));
      }
    }

    byte[] take() {
      byte[] bytes = Arrays.copyOf(buffer, size);
      size = 0;
      return bytes;
    }
  }
}
