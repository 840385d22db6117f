package dev.rollcall.storage.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rollcall.internal.Json;
import dev.rollcall.profile.Stamp;
import dev.rollcall.profile.TraitValue;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The stored form of a profile's traits, which every release must read. */
class TraitDocumentTest {
  /** A document as the tree-building writer of earlier releases wrote it. */
  private static final String EARLIER =
      "{\"plan\":{\"v\":\"premium\",\"t\":1424730535111,\"r\":1424730535387,\"m\":\"m1\"},"
          + "\"address\":{\"v\":{\"city\":\"San Francisco\",\"zip\":[9,4,1]},\"t\":1,\"r\":2,\"m\":\"m2\"},"
          + "\"gone\":{\"v\":null,\"t\":3,\"r\":4,\"m\":\"m3\"},"
          + "\"score\":{\"v\":1.50,\"t\":5,\"r\":6,\"m\":\"m4\"},"
          + "\"big\":{\"v\":123456789012345678901234567890,\"t\":7,\"r\":8,\"m\":\"m5\"},"
          + "\"emoji\":{\"v\":\"é 😀 \\\"q\\\"\",\"t\":9,\"r\":10,\"m\":\"m6\"}}";

  @Test
  void read_documentOfEarlierReleases_givesEachValueAndStamp() throws Exception {
    Map<String, TraitValue> traits = TraitDocument.read(EARLIER);

    assertThat(traits.get("plan"))
        .isEqualTo(
            new TraitValue(json("\"premium\""), new Stamp(1424730535111L, 1424730535387L, "m1")));
    assertThat(traits.get("address").value())
        .isEqualTo(json("{\"city\":\"San Francisco\",\"zip\":[9,4,1]}"));
    assertThat(traits.get("gone").value().isNull()).isTrue();
    assertThat(traits.get("score").value().decimalValue()).isEqualByComparingTo("1.50");
    assertThat(traits.get("score").value().decimalValue().scale()).isEqualTo(2);
    assertThat(traits.get("big").value().bigIntegerValue().toString())
        .isEqualTo("123456789012345678901234567890");
    assertThat(traits.get("emoji").value().textValue()).isEqualTo("é 😀 \"q\"");
    assertThat(traits).hasSize(6);
  }

  @Test
  void write_thenRead_givesTheSameTraits() {
    Map<String, TraitValue> traits = TraitDocument.read(EARLIER);

    assertThat(TraitDocument.read(TraitDocument.write(traits))).isEqualTo(traits);
  }

  @Test
  void write_isTheDocumentAsJson_readableByAnyParser() throws Exception {
    Map<String, TraitValue> traits = new HashMap<>();
    traits.put("plan", new TraitValue(json("\"free\""), new Stamp(1, 2, "m1")));

    assertThat(json(TraitDocument.write(traits)))
        .isEqualTo(json("{\"plan\":{\"v\":\"free\",\"t\":1,\"r\":2,\"m\":\"m1\"}}"));
  }

  @Test
  void read_stampBeforeValueAndFieldsOfLaterReleases_givesTheTrait() throws Exception {
    String doc =
        "{\"plan\":{\"m\":\"m1\",\"later\":{\"x\":[1]},\"r\":2,\"t\":1,\"v\":[\"a\",{\"b\":true}]}}";

    assertThat(TraitDocument.read(doc))
        .containsExactly(
            Map.entry("plan", new TraitValue(json("[\"a\",{\"b\":true}]"), new Stamp(1, 2, "m1"))));
  }

  @Test
  void read_traitWithoutItsStamp_isAnError() {
    assertThatThrownBy(() -> TraitDocument.read("{\"plan\":{\"v\":\"free\"}}"))
        .isInstanceOf(java.io.UncheckedIOException.class)
        .hasMessageContaining("trait document");
  }

  @Test
  void read_nothingStored_isNoTraits() {
    assertThat(TraitDocument.read((byte[]) null)).isEmpty();
    assertThat(TraitDocument.read("{}")).isEmpty();
  }

  private static JsonNode json(String text) throws Exception {
    return json(text.getBytes(StandardCharsets.UTF_8));
  }

  private static JsonNode json(byte[] bytes) throws Exception {
    return Json.read(bytes);
  }
}
