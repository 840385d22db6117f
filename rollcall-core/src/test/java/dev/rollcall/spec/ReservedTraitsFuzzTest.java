package dev.rollcall.spec;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Fuzzes {@link ReservedTraits#normalize} on any JSON object as the traits. Nothing is thrown;
 * every warning names a path under {@code traits}; a trait that is not reserved (nor a snake_case
 * spelling of one) is kept exactly as sent, and so is a reserved one that is not a date; a date
 * that {@link Dates} reads is written as ISO-8601 in UTC; and normalizing again changes nothing.
 */
class ReservedTraitsFuzzTest {
  /** Renamed to camelCase (or dropped when their twin is there too). */
  private static final Set<String> SNAKE = Set.of("first_name", "last_name", "created_at");

  /** May change: dates are rewritten, names filled in, nested spellings unified. */
  private static final Set<String> CHANGING =
      Set.of("createdAt", "birthday", "firstName", "lastName", "name", "address", "company");

  @FuzzTest
  @DictionaryFile(resourcePath = "/dev/rollcall/spec/segment.dict")
  void normalize(byte[] body) {
    JsonNode raw = MessageNormalizerFuzzTest.readOrNull(body);
    if (!(raw instanceof ObjectNode)) return;
    ObjectNode sent = raw.deepCopy();
    ObjectNode traits = (ObjectNode) raw;
    List<Warning> warnings = new ArrayList<>();

    ReservedTraits.normalize(traits, "traits", warnings);

    for (Warning warning : warnings) {
      assertThat(warning.path()).startsWith("traits.");
      assertThat(warning.reason()).isNotBlank();
    }
    for (Map.Entry<String, JsonNode> field : sent.properties()) {
      String name = field.getKey();
      if (SNAKE.contains(name)) continue;
      if (!CHANGING.contains(name) || !sent.has(name)) {
        assertThat(traits.get(name)).as(name).isEqualTo(field.getValue());
      }
    }
    for (String date : List.of("createdAt", "birthday")) {
      JsonNode value = sent.get(date);
      Instant instant = value == null ? null : Dates.parse(value);
      if (instant != null) {
        assertThat(traits.get(date).textValue()).isEqualTo(Dates.format(instant));
      }
    }
    for (String snake : SNAKE) assertThat(traits.has(snake)).as(snake).isFalse();

    ObjectNode once = traits.deepCopy();
    List<Warning> again = new ArrayList<>();
    ReservedTraits.normalize(traits, "traits", again);
    assertThat(traits).isEqualTo(once);
  }
}
