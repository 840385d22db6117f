package dev.rollcall.storage.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rollcall.profile.CallApplier;
import dev.rollcall.profile.ExternalId;
import dev.rollcall.profile.ProfileStore;
import dev.rollcall.tests.ProfileStoreContract;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class SqliteProfileStoreTest extends ProfileStoreContract {
  @Override
  protected ProfileStore newStore(Path dir) throws Exception {
    return SqliteProfileStore.open(dir.resolve("profiles.db"));
  }

  /** What a rebuild does: the ids carried over into the new, empty store drop their calls. */
  @Test
  void suppress_intoAStoreThatHadNoSuppressedIds_dropsTheirCalls() {
    ((SqliteProfileStore) store).suppress(List.of(ExternalId.parse("user_id:gone")));

    assertThat(store.isSuppressed(ExternalId.parse("user_id:gone"))).isTrue();
    assertThat(apply("{'type':'identify','userId':'gone','traits':{'phone':'555-0100'}}"))
        .isEqualTo(CallApplier.Result.SUPPRESSED);
    assertThat(store.find(ExternalId.parse("user_id:gone"))).isEmpty();
    assertThat(apply("{'type':'identify','userId':'kept'}")).isEqualTo(CallApplier.Result.APPLIED);
  }
}
