package dev.rollcall.storage.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rollcall.profile.CallApplier;
import dev.rollcall.profile.Profile;
import dev.rollcall.profile.ProfileStore;
import dev.rollcall.storage.LogEntry;
import dev.rollcall.tests.ProfileStoreContract;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The contract on a real PostgreSQL server ({@link TestPostgres}), a new schema for each test. */
class PostgresProfileStoreTest extends ProfileStoreContract {
  /** The JDBC URL of this test's schema. */
  private String url;

  @Override
  protected ProfileStore newStore(Path dir) throws Exception {
    url = TestPostgres.newSchema();
    return PostgresProfileStore.open(url, "postgres", null);
  }

  /* ---- what is PostgreSQL's own ---- */

  @Test
  void reopening_keepsTheProfilesAndTheSchemaVersion() throws Exception {
    apply("{'type':'identify','userId':'u1','traits':{'plan':'free'}}");
    store.close();

    store = PostgresProfileStore.open(url, "postgres", null);

    assertThat(plainTraits(profile("user_id:u1"))).containsEntry("plan", "free");
    assertThat(store.checkpoint()).isEqualTo(1);
    try (Connection connection = DriverManager.getConnection(url, "postgres", null);
        Statement statement = connection.createStatement();
        ResultSet rows =
            statement.executeQuery(
                "SELECT version FROM rollcall_schema_version WHERE component = 'profiles'")) {
      assertThat(rows.next()).isTrue();
      assertThat(rows.getInt(1)).isEqualTo(ProfileSchema.MIGRATIONS.size());
    }
  }

  @Test
  void aSchemaNewerThanThisRollcall_isRefused() throws Exception {
    try (Connection connection = DriverManager.getConnection(url, "postgres", null);
        Statement statement = connection.createStatement()) {
      statement.executeUpdate(
          "UPDATE rollcall_schema_version SET version = 99 WHERE component = 'profiles'");
    }

    assertThatThrownBy(() -> PostgresProfileStore.open(url, "postgres", null))
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("version 99");
  }

  /**
   * Two processors on one database: the second's transaction starts while the first's, which
   * creates the profile of a new user, is still open. Without the write lock the second would not
   * see that profile (READ COMMITTED) and would make another one for the same user.
   */
  @Test
  void twoStoresOnOneDatabase_takeTurnsSoAUserGetsOneProfile() throws Exception {
    LogEntry first = calls.entry("{'type':'identify','userId':'u1','anonymousId':'a1'}");
    LogEntry second = calls.entry("{'type':'identify','userId':'u1','anonymousId':'a2'}");
    CountDownLatch firstInside = new CountDownLatch(1);
    ExecutorService other = Executors.newSingleThreadExecutor();
    try (PostgresProfileStore otherStore = PostgresProfileStore.open(url, "postgres", null)) {
      Future<?> firstDone =
          other.submit(
              () ->
                  store.write(
                      writer -> {
                        CallApplier.apply(writer, first);
                        firstInside.countDown();
                        sleep(300); // the second transaction comes meanwhile
                        return null;
                      }));
      assertThat(firstInside.await(10, TimeUnit.SECONDS)).isTrue();
      otherStore.write(writer -> CallApplier.apply(writer, second));
      firstDone.get(10, TimeUnit.SECONDS);
    } finally {
      other.shutdownNow();
    }

    Profile user = profile("user_id:u1");
    assertThat(profile("anonymous_id:a1").id()).isEqualTo(user.id());
    assertThat(profile("anonymous_id:a2").id()).isEqualTo(user.id());
  }

  @Test
  void partitionOffsets_moveByCompareAndSet() {
    assertThat(store.partitionOffsets("calls")).isEmpty();

    assertThat((boolean) store.write(w -> w.movePartitionOffset("calls", 2, 0, 10))).isTrue();
    assertThat((boolean) store.write(w -> w.movePartitionOffset("calls", 2, 10, 25))).isTrue();
    // another processor applied the same records meanwhile: its move finds the offset moved
    assertThat((boolean) store.write(w -> w.movePartitionOffset("calls", 2, 10, 25))).isFalse();
    assertThat((boolean) store.write(w -> w.movePartitionOffset("calls", 2, 0, 25))).isFalse();
    assertThat((boolean) store.write(w -> w.movePartitionOffset("calls", 0, 0, 3))).isTrue();
    assertThat((boolean) store.write(w -> w.movePartitionOffset("other", 0, 0, 7))).isTrue();

    assertThat(store.partitionOffsets("calls")).isEqualTo(java.util.Map.of(0, 3L, 2, 25L));
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
