package dev.rollcall.storage.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MessageKeyTest {
  @TempDir Path dir;

  @Test
  void of_isTheStoredFunction_neverChanged() {
    // every row of calls holds its key: a new function would not find the calls applied before
    assertThat(MessageKey.of("src_test", "022bb90c-bbac-11e4-8dfc-aa07a5b093db"))
        .isEqualTo(-2749074727202705431L);
  }

  @Test
  void of_sourceAndMessageIdSplitElsewhere_isAnotherKey() {
    assertThat(MessageKey.of("src_tes", "t022bb90c-bbac-11e4-8dfc-aa07a5b093db"))
        .isEqualTo(-1998518082537267327L)
        .isNotEqualTo(MessageKey.of("src_test", "022bb90c-bbac-11e4-8dfc-aa07a5b093db"));
  }

  @Test
  void sqlFunction_givesTheSameKeyAsJava() throws Exception {
    try (Connection db = SqliteFiles.connect(dir.resolve("keys.db"))) {
      MessageKey.register(db);
      try (PreparedStatement sql = db.prepareStatement("SELECT rollcall_message_key(?, ?)")) {
        sql.setString(1, "src_ü");
        sql.setString(2, "m-😀-1");
        try (ResultSet rows = sql.executeQuery()) {
          assertThat(rows.next()).isTrue();
          assertThat(rows.getLong(1)).isEqualTo(MessageKey.of("src_ü", "m-😀-1"));
        }
      }
    }
  }

  @Test
  void profileIds_textAndRow_roundTrip_includingTheRandomIdsOfTheFirstReleases() {
    assertThat(ProfileIds.text(1)).isEqualTo("prf_0000000000000001");
    assertThat(ProfileIds.row("prf_0000000000000001")).isEqualTo(1);
    assertThat(ProfileIds.text(ProfileIds.row("prf_f3a9c0d2e1b40567")))
        .isEqualTo("prf_f3a9c0d2e1b40567");
    assertThat(ProfileIds.row("prf_f3a9c0d2e1b40567")).isNegative();
    assertThatThrownBy(() -> ProfileIds.row("usr_0000000000000001"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("usr_0000000000000001");
  }
}
