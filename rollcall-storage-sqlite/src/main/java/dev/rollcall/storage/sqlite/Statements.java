package dev.rollcall.storage.sqlite;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/** Prepared statements of one connection, prepared once and kept; not thread-safe. */
final class Statements implements AutoCloseable {
  private final Connection connection;
  private final Map<String, PreparedStatement> prepared = new HashMap<>();

  Statements(Connection connection) {
    this.connection = connection;
  }

  Connection connection() {
    return connection;
  }

  /** The statement for {@code sql} with {@code args} bound in order. */
  PreparedStatement bind(String sql, Object... args) throws SQLException {
    PreparedStatement statement = prepared.get(sql);
    if (statement == null) {
      statement = connection.prepareStatement(sql);
      prepared.put(sql, statement);
    }
    for (int i = 0; i < args.length; i++) {
      statement.setObject(i + 1, args[i]);
    }
    return statement;
  }

  int update(String sql, Object... args) throws SQLException {
    return bind(sql, args).executeUpdate();
  }

  /** The first column of the first row, or null. */
  Object one(String sql, Object... args) throws SQLException {
    try (ResultSet rows = bind(sql, args).executeQuery()) {
      return rows.next() ? rows.getObject(1) : null;
    }
  }

  @Override
  public void close() {
    for (PreparedStatement statement : prepared.values()) {
      try {
        statement.close();
      } catch (SQLException ignored) {
        // closing
      }
    }
    prepared.clear();
  }
}
