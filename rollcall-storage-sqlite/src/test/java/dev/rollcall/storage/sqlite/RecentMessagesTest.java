package dev.rollcall.storage.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RecentMessagesTest {
  @Test
  void anyMatch_addedEntry_offersItsOffsetToConfirm() {
    RecentMessages recent = new RecentMessages(10);
    long hash = RecentMessages.hash("src", "m1");
    recent.add(hash, 42, 1_000);

    List<Long> offered = new ArrayList<>();
    boolean match = recent.anyMatch(hash, offset -> offered.add(offset));

    assertThat(match).isTrue();
    assertThat(offered).containsExactly(42L);
  }

  @Test
  void anyMatch_candidateNotConfirmed_isNoMatch() {
    RecentMessages recent = new RecentMessages(10);
    long hash = RecentMessages.hash("src", "m1");
    recent.add(hash, 42, 1_000);

    assertThat(recent.anyMatch(hash, offset -> false)).isFalse();
    assertThat(recent.anyMatch(RecentMessages.hash("src", "m2"), offset -> true)).isFalse();
  }

  @Test
  void anyMatch_sameHashTwice_offersBothOffsets() {
    RecentMessages recent = new RecentMessages(10);
    recent.add(7, 1, 1_000);
    recent.add(7, 2, 1_000);

    List<Long> offered = new ArrayList<>();
    recent.anyMatch(7, offset -> !offered.add(offset));

    assertThat(offered).containsExactlyInAnyOrder(1L, 2L);
  }

  @Test
  void expire_forgetsEntriesStoredBeforeCutoff() {
    RecentMessages recent = new RecentMessages(10);
    recent.add(1, 1, 1_000);
    recent.add(2, 2, 2_000);

    recent.expire(1_500);

    assertThat(recent.anyMatch(1, offset -> true)).isFalse();
    assertThat(recent.anyMatch(2, offset -> true)).isTrue();
    assertThat(recent.size()).isEqualTo(1);
  }

  @Test
  void add_beyondCapacity_forgetsTheOldest() {
    RecentMessages recent = new RecentMessages(3);
    for (long i = 1; i <= 4; i++) recent.add(i, i, i);

    assertThat(recent.size()).isEqualTo(3);
    assertThat(recent.anyMatch(1, offset -> true)).isFalse();
    assertThat(recent.anyMatch(4, offset -> true)).isTrue();
  }

  @Test
  void hash_separatesSourceFromMessageId() {
    assertThat(RecentMessages.hash("ab", "c")).isNotEqualTo(RecentMessages.hash("a", "bc"));
    assertThat(RecentMessages.hash("s", "m")).isEqualTo(RecentMessages.hash("s", "m"));
  }

  /**
   * Random adds (with few distinct hashes, so that probe chains collide and wrap), expiries and
   * evictions, against a queue of what should be there: every entry is found while present, none
   * after it left.
   */
  @Test
  void randomOperations_agreeWithASimpleModel() {
    Random random = new Random(20261129);
    for (int run = 0; run < 50; run++) {
      int capacity = 1 + random.nextInt(3_000);
      RecentMessages recent = new RecentMessages(capacity);
      ArrayDeque<long[]> model = new ArrayDeque<>(); // hash, offset, time
      long time = 0;
      for (int op = 0; op < 20_000; op++) {
        if (random.nextInt(50) == 0) {
          long cutoff = time - random.nextInt(200);
          recent.expire(cutoff);
          while (!model.isEmpty() && model.peekFirst()[2] < cutoff) model.pollFirst();
        } else {
          long hash = 1 + random.nextInt(capacity * 2);
          time += random.nextInt(3);
          recent.add(hash, op, time);
          if (model.size() == capacity) model.pollFirst();
          model.addLast(new long[] {hash, op, time});
        }
        if (op % 97 == 0) {
          assertThat(recent.size()).isEqualTo(model.size());
          for (long[] entry : model) {
            assertThat(recent.anyMatch(entry[0], offset -> offset == entry[1]))
                .as("entry %s present", entry[1])
                .isTrue();
          }
        }
      }
      List<Long> present = new ArrayList<>();
      for (long[] entry : model) present.add(entry[1]);
      for (long hash = 1; hash <= capacity * 2L; hash++) {
        recent.anyMatch(
            hash,
            offset -> {
              assertThat(present).as("no entry left behind").contains(offset);
              return false;
            });
      }
    }
  }
}
