package dev.rollcall.server.config;

import java.time.Duration;

/**
 * The setup for when one machine is not enough: the event log on Kafka ({@code log: kafka}) and the
 * profiles and delivery queues on PostgreSQL ({@code store: postgres}). The two go together: the
 * processors keep their Kafka offsets with the profiles, in PostgreSQL.
 *
 * @param bootstrapServers {@code host:port,...} of some Kafka brokers
 * @param topic the topic of the calls
 * @param partitions partitions of the topic when Rollcall creates it: the most processors at once
 * @param replicationFactor replicas of the topic when Rollcall creates it; 0 for the broker default
 * @param group the processors' consumer group
 * @param ackTimeout how long a collector waits for Kafka before it answers 503
 * @param postgresUrl the JDBC URL, {@code jdbc:postgresql://host:5432/rollcall}
 * @param postgresUser the database user
 * @param postgresPassword the user's password; null when the server asks for none
 * @param applyThreads partitions a processor applies at once, each in a transaction of its own (and
 *     on a database connection of its own)
 */
public record ScaleOut(
    String bootstrapServers,
    String topic,
    int partitions,
    int replicationFactor,
    String group,
    Duration ackTimeout,
    String postgresUrl,
    String postgresUser,
    String postgresPassword,
    int applyThreads) {
  /** Partitions a processor applies at once when the configuration does not say. */
  public static final int DEFAULT_APPLY_THREADS = 4;

  public ScaleOut {
    if (bootstrapServers == null || bootstrapServers.isBlank()) {
      throw new IllegalArgumentException(
          "log: kafka needs kafka.bootstrapServers (or ROLLCALL_KAFKA_BOOTSTRAP_SERVERS)");
    }
    if (postgresUrl == null || postgresUrl.isBlank()) {
      throw new IllegalArgumentException(
          "store: postgres needs postgres.url (or ROLLCALL_POSTGRES_URL)");
    }
    if (partitions <= 0) throw new IllegalArgumentException("kafka.partitions <= 0: " + partitions);
    if (applyThreads <= 0) {
      throw new IllegalArgumentException("kafka.applyThreads <= 0: " + applyThreads);
    }
  }

  /** The password is a secret: never in a log line or an error. */
  @Override
  public String toString() {
    return "ScaleOut[kafka="
        + bootstrapServers
        + ", topic="
        + topic
        + ", postgres="
        + postgresUrl
        + ", user="
        + postgresUser
        + "]";
  }
}
