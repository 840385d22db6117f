package dev.rollcall.storage.sqlite;

import dev.rollcall.profile.ExternalId;
import dev.rollcall.profile.IdKind;
import dev.rollcall.profile.Profile;
import dev.rollcall.profile.ProfileStore;
import dev.rollcall.profile.ProfileWriter;
import dev.rollcall.profile.TraitValue;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.Function;

/**
 * Profiles in one SQLite file (WAL): one write connection, used by one transaction at a time, and a
 * few read connections for the Profile API, which WAL lets read while a write is under way.
 */
public final class SqliteProfileStore implements ProfileStore {
  /** Read connections; the Profile API's reads are short, and SQLite serves them in parallel. */
  private static final int READERS = 2;

  /**
   * How often the WAL is copied into the database file, beside the processor's commits (ms). Not as
   * often as the event log's: the processor rewrites the same pages (a person's ids and traits,
   * index pages) commit after commit, and each copy writes a page once however often it changed
   * since the last.
   */
  private static final long CHECKPOINT_EVERY_MILLIS = 1_000;

  private final Statements writer;
  private final BlockingQueue<Statements> readers;
  private final WalCheckpointer checkpointer;

  /** See {@link SqliteProfileWriter#MAX_CACHED_TRAITS}; smaller in tests. */
  volatile int maxCachedTraits = SqliteProfileWriter.MAX_CACHED_TRAITS;

  /** See {@link SqliteProfileWriter#MAX_CACHED_TRAIT_BYTES}; smaller in tests. */
  volatile long maxCachedTraitBytes = SqliteProfileWriter.MAX_CACHED_TRAIT_BYTES;

  /** Whether any id is suppressed; read and written under the writer's lock. */
  private volatile boolean anySuppressed;

  private SqliteProfileStore(
      Statements writer, BlockingQueue<Statements> readers, WalCheckpointer checkpointer)
      throws SQLException {
    this.writer = writer;
    this.readers = readers;
    this.checkpointer = checkpointer;
    this.anySuppressed = writer.one("SELECT 1 FROM suppressed LIMIT 1") != null;
  }

  /**
   * Opens (creating or migrating) the store in {@code file}.
   *
   * <p>Its commits are not fsync'ed (WAL with {@code synchronous=NORMAL}): a commit is in the WAL
   * file, so it survives a crash of the process, and only a power cut or a crash of the machine can
   * take the last ones back. That loses nothing acknowledged: the event log, fsync'ed before the
   * collector answers, is the source of truth, and the processor's checkpoint is written in the
   * same transaction as the profile changes of its chunk, so a transaction taken back takes its
   * checkpoint back with it and the processor applies those calls again from the log. SQLite keeps
   * the file consistent at this level (the WAL is fsync'ed before each checkpoint copies it into
   * the database); {@code synchronous=OFF} would not. CrashTest kills the server under load and
   * checks every acknowledged call's person.
   */
  public static SqliteProfileStore open(Path file) throws SQLException {
    Connection write = SqliteFiles.connect(file, SqliteFiles.Durability.SURVIVE_PROCESS_CRASH);
    BlockingQueue<Statements> readers = new ArrayBlockingQueue<>(READERS);
    WalCheckpointer checkpointer = null;
    try {
      MessageKey.register(write);
      SqliteFiles.migrate(write, ProfileSchema.MIGRATIONS);
      write.setAutoCommit(false);
      for (int i = 0; i < READERS; i++) {
        readers.add(
            new Statements(
                SqliteFiles.connect(file, SqliteFiles.Durability.SURVIVE_PROCESS_CRASH)));
      }
      checkpointer =
          WalCheckpointer.open(
              file,
              write,
              SqliteFiles.Durability.SURVIVE_PROCESS_CRASH,
              CHECKPOINT_EVERY_MILLIS,
              "rollcall-profiles-checkpointer");
      SqliteProfileStore store =
          new SqliteProfileStore(new Statements(write), readers, checkpointer);
      checkpointer.start();
      return store;
    } catch (SQLException | RuntimeException e) {
      if (checkpointer != null) checkpointer.close();
      write.close();
      for (Statements reader : readers) SqliteFiles.closeQuietly(reader.connection());
      throw e;
    }
  }

  @Override
  public <T> T write(Function<ProfileWriter, T> work) {
    synchronized (writer) {
      try {
        SqliteProfileWriter changes =
            new SqliteProfileWriter(writer, anySuppressed, maxCachedTraits, maxCachedTraitBytes);
        T result = work.apply(changes);
        changes.flush();
        writer.connection().commit();
        checkpointer.afterCommit(writer.connection());
        return result;
      } catch (SQLException e) {
        rollback();
        throw new SqliteProfileWriter.ProfileStoreException(e);
      } catch (RuntimeException | Error e) {
        rollback();
        throw e;
      }
    }
  }

  private void rollback() {
    SqliteFiles.rollbackQuietly(writer.connection());
  }

  @Override
  public long checkpoint() {
    return read(
        sql -> ((Number) sql.one("SELECT log_offset FROM checkpoint WHERE id = 1")).longValue());
  }

  @Override
  public Optional<Profile> find(ExternalId id) {
    return read(
        sql -> {
          Long row = ownerRow(sql, id);
          if (row == null) {
            return Optional.empty();
          }
          String profileId = ProfileIds.text(row);
          String userId = (String) sql.one("SELECT user_id FROM profiles WHERE id = ?", row);
          List<Profile.IdSighting> ids = new ArrayList<>();
          try (ResultSet rows =
              sql.bind(
                      "SELECT kind, value, first_seen, first_message_id FROM ids WHERE profile_id = ? ORDER BY first_seen, kind, value",
                      row)
                  .executeQuery()) {
            while (rows.next()) {
              ids.add(
                  new Profile.IdSighting(
                      ExternalId.of(IdKind.ofPrefix(rows.getString(1)), rows.getString(2)),
                      rows.getLong(3),
                      rows.getString(4)));
            }
          }
          TreeMap<String, TraitValue> traits =
              new TreeMap<>(SqliteProfileWriter.readTraits(sql, profileId));
          return Optional.of(new Profile(profileId, userId, ids, traits));
        });
  }

  @Override
  public EventPage events(ExternalId id, String cursor, int limit) {
    long[] after = parseCursor(cursor);
    return read(
        sql -> {
          Long profileId = ownerRow(sql, id);
          if (profileId == null) {
            return null;
          }
          List<byte[]> events = new ArrayList<>();
          String last = null;
          boolean more = false;
          try (ResultSet rows =
              sql.bind(
                      "SELECT body, ts, seq FROM calls WHERE profile_id = ? AND (ts < ? OR (ts = ? AND seq < ?))"
                          + " ORDER BY ts DESC, seq DESC LIMIT ?",
                      profileId,
                      after[0],
                      after[0],
                      after[1],
                      limit + 1)
                  .executeQuery()) {
            while (rows.next()) {
              if (events.size() == limit) {
                more = true; // the extra row only tells that there is a next page
                break;
              }
              events.add(rows.getBytes(1));
              last = rows.getLong(2) + ":" + rows.getLong(3);
            }
          }
          return new EventPage(events, more ? last : null);
        });
  }

  /** {@code ts:seq} of the last call of the previous page; no cursor starts past the newest. */
  private static long[] parseCursor(String cursor) {
    if (cursor == null || cursor.isEmpty()) {
      return new long[] {Long.MAX_VALUE, Long.MAX_VALUE};
    }
    int colon = cursor.indexOf(':');
    try {
      return new long[] {
        Long.parseLong(cursor.substring(0, colon)), Long.parseLong(cursor.substring(colon + 1))
      };
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("the cursor is not one this API gave: " + cursor);
    }
  }

  @Override
  public List<ExternalId> delete(ExternalId id, boolean suppress) {
    synchronized (writer) {
      Statements sql = writer;
      try {
        Long profileId = ownerRow(sql, id);
        if (profileId == null) {
          return List.of();
        }
        List<ExternalId> ids = new ArrayList<>();
        try (ResultSet rows =
            sql.bind("SELECT kind, value FROM ids WHERE profile_id = ?", profileId)
                .executeQuery()) {
          while (rows.next()) {
            ids.add(ExternalId.of(IdKind.ofPrefix(rows.getString(1)), rows.getString(2)));
          }
        }
        if (suppress) {
          anySuppressed = true;
          for (ExternalId each : ids) {
            sql.update(
                "INSERT OR IGNORE INTO suppressed (kind, value) VALUES (?, ?)",
                each.kind().prefix(),
                each.value());
          }
        }
        sql.update("DELETE FROM calls WHERE profile_id = ?", profileId);
        sql.update("DELETE FROM traits WHERE profile_id = ?", profileId);
        sql.update("DELETE FROM ids WHERE profile_id = ?", profileId);
        sql.update("DELETE FROM profiles WHERE id = ?", profileId);
        sql.connection().commit();
        return ids;
      } catch (SQLException e) {
        rollback();
        throw new SqliteProfileWriter.ProfileStoreException(e);
      }
    }
  }

  /** The rowid of the profile {@code id} belongs to, or null. */
  static Long ownerRow(Statements sql, ExternalId id) throws SQLException {
    Object row =
        sql.one(
            "SELECT profile_id FROM ids WHERE kind = ? AND value = ?",
            id.kind().prefix(),
            id.value());
    return row == null ? null : ((Number) row).longValue();
  }

  private <T> T read(SqliteProfileWriter.SqlWork1<T> work) {
    Statements sql;
    try {
      sql = readers.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for a read connection", e);
    }
    try {
      return work.run(sql);
    } catch (SQLException e) {
      throw new SqliteProfileWriter.ProfileStoreException(e);
    } finally {
      readers.add(sql);
    }
  }

  @Override
  public boolean isSuppressed(ExternalId id) {
    if (!anySuppressed) return false; // the common case costs no query
    return read(
        sql ->
            sql.one(
                    "SELECT 1 FROM suppressed WHERE kind = ? AND value = ?",
                    id.kind().prefix(),
                    id.value())
                != null);
  }

  /** The ids whose calls are dropped; a rebuild carries them over to the new store. */
  public List<ExternalId> suppressedIds() {
    return read(
        sql -> {
          List<ExternalId> ids = new ArrayList<>();
          try (ResultSet rows = sql.bind("SELECT kind, value FROM suppressed").executeQuery()) {
            while (rows.next()) {
              ids.add(ExternalId.of(IdKind.ofPrefix(rows.getString(1)), rows.getString(2)));
            }
          }
          return ids;
        });
  }

  /** Drops every later call for these ids. */
  public void suppress(List<ExternalId> ids) {
    synchronized (writer) {
      // before the rows: a store that had none skips the look-up of every call's ids (a rebuild
      // into a new store replayed the calls of the ids it carried over while this stayed false)
      if (!ids.isEmpty()) anySuppressed = true;
      try {
        for (ExternalId id : ids) {
          writer.update(
              "INSERT OR IGNORE INTO suppressed (kind, value) VALUES (?, ?)",
              id.kind().prefix(),
              id.value());
        }
        writer.connection().commit();
      } catch (SQLException e) {
        rollback();
        throw new SqliteProfileWriter.ProfileStoreException(e);
      }
    }
  }

  @Override
  public void close() {
    checkpointer.close();
    synchronized (writer) {
      writer.close();
      SqliteFiles.closeQuietly(writer.connection());
    }
    for (Statements reader : readers) {
      reader.close();
      SqliteFiles.closeQuietly(reader.connection());
    }
  }
}
