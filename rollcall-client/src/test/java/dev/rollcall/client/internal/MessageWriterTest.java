package dev.rollcall.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rollcall.client.Identify;
import dev.rollcall.client.Message;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MessageWriterTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Instant AT = Instant.parse("2024-05-06T07:08:09.123Z");

  private final MessageWriter writer = new MessageWriter();

  private static Identify identify(Map<String, ?> traits) {
    return Identify.builder().userId("u1").traits(traits).messageId("m1").timestamp(AT).build();
  }

  private String write(Message message) {
    return new String(writer.write(message), StandardCharsets.UTF_8);
  }

  @Test
  void write_identify_fieldsInSegmentsOrder() {
    assertThat(write(identify(Map.of("plan", "pro"))))
        .isEqualTo(
            "{\"type\":\"identify\",\"messageId\":\"m1\",\"timestamp\":\"2024-05-06T07:08:09.123Z\","
                + "\"userId\":\"u1\",\"traits\":{\"plan\":\"pro\"},"
                + "\"context\":{\"library\":{\"name\":\"rollcall-client\",\"version\":\""
                + Version.VERSION
                + "\"}}}");
  }

  @Test
  void write_valuesOfEveryKind() throws Exception {
    Map<String, Object> traits = new LinkedHashMap<>();
    traits.put("string", "Zoë 東京 \uD83D\uDE80 \"quoted\"\n");
    traits.put("int", 5);
    traits.put("long", 1L << 40);
    traits.put("double", 0.25);
    traits.put("float", 1.5f);
    traits.put("big", new BigDecimal("12345678901234567890.123456789"));
    traits.put("bigInteger", new BigInteger("123456789012345678901234567890"));
    traits.put("bool", true);
    traits.put("null", null);
    traits.put("list", List.of("a", 1, false));
    traits.put("array", new Object[] {"b", 2});
    traits.put("ints", new int[] {1, 2, 3});
    traits.put("nested", Map.of("city", "San Francisco"));
    traits.put("instant", Instant.parse("2015-02-23T22:28:55.111Z"));
    traits.put("date", Date.from(Instant.parse("2015-02-23T22:28:55.111Z")));
    traits.put("localDate", LocalDate.of(1990, 5, 17));
    traits.put("uuid", new UUID(1, 2));
    traits.put("uri", URI.create("https://example.com/a"));
    traits.put("enum", java.time.DayOfWeek.MONDAY);

    byte[] json = writer.write(identify(traits));
    JsonNode written = MAPPER.readTree(json).get("traits");

    assertThat(written.get("string").textValue()).isEqualTo("Zoë 東京 \uD83D\uDE80 \"quoted\"\n");
    assertThat(written.get("int").intValue()).isEqualTo(5);
    assertThat(written.get("long").longValue()).isEqualTo(1L << 40);
    assertThat(written.get("double").doubleValue()).isEqualTo(0.25);
    assertThat(written.get("float").doubleValue()).isEqualTo(1.5);
    assertThat(new String(json, StandardCharsets.UTF_8))
        .as("decimals kept exactly")
        .contains("\"big\":12345678901234567890.123456789,")
        .contains("\"bigInteger\":123456789012345678901234567890,");
    assertThat(written.get("bool").booleanValue()).isTrue();
    assertThat(written.get("null").isNull()).isTrue();
    assertThat(written.get("list").toString()).isEqualTo("[\"a\",1,false]");
    assertThat(written.get("array").toString()).isEqualTo("[\"b\",2]");
    assertThat(written.get("ints").toString()).isEqualTo("[1,2,3]");
    assertThat(written.get("nested").toString()).isEqualTo("{\"city\":\"San Francisco\"}");
    assertThat(written.get("instant").textValue()).isEqualTo("2015-02-23T22:28:55.111Z");
    assertThat(written.get("date").textValue()).isEqualTo("2015-02-23T22:28:55.111Z");
    assertThat(written.get("localDate").textValue()).isEqualTo("1990-05-17");
    assertThat(written.get("uuid").textValue()).isEqualTo(new UUID(1, 2).toString());
    assertThat(written.get("uri").textValue()).isEqualTo("https://example.com/a");
    assertThat(written.get("enum").textValue()).isEqualTo("MONDAY");
  }

  @Test
  void write_manyMessages_eachIsOneWholeObject() throws Exception {
    for (int i = 0; i < 1_000; i++) {
      JsonNode written = MAPPER.readTree(writer.write(identify(Map.of("i", i))));
      assertThat(written.at("/traits/i").intValue()).isEqualTo(i);
    }
  }

  @Test
  void write_unsupportedValue_namesItsPath_andAFreshWriterWorks() {
    Map<String, Object> traits = Map.of("tags", List.of("a", Map.of("owner", new Thread())));

    assertThatThrownBy(() -> writer.write(identify(traits)))
        .isInstanceOf(UnwritableValueException.class)
        .hasMessageStartingWith("traits.tags[1].owner: cannot write a java.lang.Thread as JSON");

    assertThat(new String(new MessageWriter().write(identify(Map.of())), StandardCharsets.UTF_8))
        .startsWith("{\"type\":\"identify\"");
  }

  @Test
  void write_mapThatContainsItself_isReported_notAStackOverflow() {
    Map<String, Object> cycle = new HashMap<>();
    cycle.put("self", cycle);

    assertThatThrownBy(() -> writer.write(identify(Map.of("loop", cycle))))
        .isInstanceOf(UnwritableValueException.class)
        .hasMessageContaining("nested deeper than 61 levels");
  }

  @Test
  void write_listThatContainsItself_isReported() {
    List<Object> cycle = new ArrayList<>();
    cycle.add(cycle);

    assertThatThrownBy(() -> writer.write(identify(Map.of("loop", cycle))))
        .isInstanceOf(UnwritableValueException.class)
        .hasMessageContaining("nested deeper than 61 levels");
  }

  /** A value of {@code levels} maps (or lists) one inside the other, around a 1. */
  private static Object nested(int levels, boolean lists) {
    Object value = 1;
    for (int level = 0; level < levels; level++) {
      value = lists ? List.of(value) : Map.of("d", value);
    }
    return value;
  }

  /** Under {@code traits} (level 1), a trait's value of 60 levels reaches level 61, the most. */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void write_nestedAsDeepAsAServerReadsInABatch_isWritten_oneLevelMoreIsNot(boolean lists)
      throws Exception {
    Object deepest = nested(MessageWriter.MAX_DEPTH - 1, lists);
    Object deeper = nested(MessageWriter.MAX_DEPTH, lists);

    assertThat(MAPPER.readTree(writer.write(identify(Map.of("a", deepest)))).at("/traits/a"))
        .as("written whole") // at() gives a missing node, never null, for a path not there
        .isEqualTo(MAPPER.valueToTree(deepest));
    assertThatThrownBy(() -> new MessageWriter().write(identify(Map.of("a", deeper))))
        .isInstanceOf(UnwritableValueException.class)
        .hasMessageContaining("nested deeper than 61 levels, the most a server reads in a batch");
  }

  @Test
  void write_anEmptyListNestedTooDeep_isUnwritable() {
    Object deeper = List.of();
    for (int level = 0; level < MessageWriter.MAX_DEPTH - 1; level++) deeper = List.of(deeper);
    Object tooDeep = deeper;

    assertThatThrownBy(() -> writer.write(identify(Map.of("a", tooDeep))))
        .isInstanceOf(UnwritableValueException.class);
  }

  @ParameterizedTest
  @ValueSource(doubles = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
  void write_aNumberJsonCannotHold_isUnwritable_notTheStringNaN(double number) {
    assertThatThrownBy(() -> new MessageWriter().write(identify(Map.of("n", number))))
        .isInstanceOf(UnwritableValueException.class)
        .hasMessage("traits.n: " + number + " is not a number JSON can hold");
    assertThatThrownBy(() -> new MessageWriter().write(identify(Map.of("n", (float) number))))
        .isInstanceOf(UnwritableValueException.class);
    assertThatThrownBy(
            () -> new MessageWriter().write(identify(Map.of("n", new double[] {1, number}))))
        .isInstanceOf(UnwritableValueException.class);
  }

  @Test
  void write_aNameWithHalfASurrogatePair_isUnwritable_aWholeEmojiIsWritten() throws Exception {
    assertThatThrownBy(() -> new MessageWriter().write(identify(Map.of("name\uD83D", "x"))))
        .isInstanceOf(UnwritableValueException.class)
        .hasMessageContaining("holds half of a surrogate pair");
    assertThatThrownBy(() -> new MessageWriter().write(identify(Map.of("\uDE80x", "x"))))
        .isInstanceOf(UnwritableValueException.class);

    JsonNode written = MAPPER.readTree(writer.write(identify(Map.of("rocket\uD83D\uDE80", "x"))));
    assertThat(written.at("/traits").fieldNames().next()).isEqualTo("rocket\uD83D\uDE80");
  }

  @Test
  void write_nullKey_isReported() {
    Map<String, Object> traits = new HashMap<>();
    traits.put(null, 1);

    assertThatThrownBy(() -> writer.write(identify(traits)))
        .hasMessage("traits: a map has a null key");
  }

  @Test
  void pool_writesFromManyThreads_withoutMixingMessages() throws Exception {
    WriterPool pool = new WriterPool();
    List<Thread> threads = new ArrayList<>();
    List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int t = 0; t < 8; t++) {
      int thread = t;
      threads.add(
          new Thread(
              () -> {
                for (int i = 0; i < 2_000; i++) {
                  try {
                    JsonNode written =
                        MAPPER.readTree(
                            pool.write(
                                identify(
                                    Map.of("thread", thread, "i", i, "pad", "x".repeat(i % 50)))));
                    assertThat(written.at("/traits/thread").intValue()).isEqualTo(thread);
                    assertThat(written.at("/traits/i").intValue()).isEqualTo(i);
                  } catch (Throwable e) {
                    errors.add(e);
                    return;
                  }
                }
              }));
    }
    threads.forEach(Thread::start);
    for (Thread thread : threads) {
      thread.join();
    }
    assertThat(errors).isEmpty();
  }
}
