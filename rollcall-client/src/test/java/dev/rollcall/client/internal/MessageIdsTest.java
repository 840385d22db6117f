package dev.rollcall.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class MessageIdsTest {
  @Test
  void next_isAVersion8Uuid_withTheRfcVariant() {
    UUID id = UUID.fromString(new MessageIds().next());

    assertThat(id.version()).isEqualTo(8);
    assertThat(id.variant()).isEqualTo(2);
  }

  @Test
  void next_neverRepeats_evenWhenTheCounterWraps() {
    MessageIds ids =
        new MessageIds(
            new Random() {
              private static final long serialVersionUID = 1L;

              @Override
              public long nextLong() {
                return 0x3FFF_FFFF_FFFF_FFF0L; // the counter's 62 bits wrap after 16 ids
              }
            });
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 100_000; i++) {
      seen.add(ids.next());
    }
    assertThat(seen).hasSize(100_000);
  }

  @Test
  void twoClients_drawDifferentIds() {
    assertThat(new MessageIds().next().substring(0, 18))
        .isNotEqualTo(new MessageIds().next().substring(0, 18));
  }
}
