package dev.rollcall.log.kafka;

import java.time.Duration;
import java.util.Map;

/**
 * How Rollcall uses Kafka: where, which topic, and the few settings that matter. Build with {@link
 * #builder(String)}; every setter validates at once.
 */
public final class KafkaSettings {
  public static final String DEFAULT_TOPIC = "rollcall-calls";
  public static final int DEFAULT_PARTITIONS = 12;
  public static final String DEFAULT_GROUP = "rollcall-processors";

  private final String bootstrapServers;
  private final String topic;
  private final int partitions;
  private final int replicationFactor;
  private final Duration ackTimeout;
  private final Duration linger;
  private final int maxPendingEntries;
  private final String group;
  private final int chunk;
  private final int applyThreads;
  private final Map<String, Object> clientSettings;

  private KafkaSettings(Builder builder) {
    this.bootstrapServers = builder.bootstrapServers;
    this.topic = builder.topic;
    this.partitions = builder.partitions;
    this.replicationFactor = builder.replicationFactor;
    this.ackTimeout = builder.ackTimeout;
    this.linger = builder.linger;
    this.maxPendingEntries = builder.maxPendingEntries;
    this.group = builder.group;
    this.chunk = builder.chunk;
    this.applyThreads = builder.applyThreads;
    this.clientSettings = Map.copyOf(builder.clientSettings);
  }

  /**
   * @param bootstrapServers {@code host:port[,host:port...]} of some brokers of the cluster
   */
  public static Builder builder(String bootstrapServers) {
    return new Builder(bootstrapServers);
  }

  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** The topic of the calls; default {@value #DEFAULT_TOPIC}. */
  public String topic() {
    return topic;
  }

  /**
   * Partitions of the topic when Rollcall creates it; default {@value #DEFAULT_PARTITIONS}. The
   * most processors that can work at once.
   */
  public int partitions() {
    return partitions;
  }

  /** Replicas of the topic when Rollcall creates it; 0 (default) for the broker's default. */
  public int replicationFactor() {
    return replicationFactor;
  }

  /**
   * How long an append waits for Kafka's acknowledgement before it fails (and the collector answers
   * 503); default 10 s.
   */
  public Duration ackTimeout() {
    return ackTimeout;
  }

  /** How long a record waits for others to share a request to Kafka; default 5 ms. */
  public Duration linger() {
    return linger;
  }

  /** Calls waiting for acknowledgement before appends are refused as overloaded. */
  public int maxPendingEntries() {
    return maxPendingEntries;
  }

  /** The consumer group of the processors; default {@value #DEFAULT_GROUP}. */
  public String group() {
    return group;
  }

  /** Calls a processor reads at once (one poll), at most; default 500. */
  public int chunk() {
    return chunk;
  }

  /**
   * Transactions a processor runs at once, each applying one partition's calls of a poll; default
   * 4. Each needs a connection to the database.
   */
  public int applyThreads() {
    return applyThreads;
  }

  /**
   * Settings passed to every Kafka client as they are ({@code security.protocol}, {@code
   * sasl.jaas.config}, ...).
   */
  public Map<String, Object> clientSettings() {
    return clientSettings;
  }

  public Builder toBuilder() {
    return new Builder(bootstrapServers)
        .topic(topic)
        .partitions(partitions)
        .replicationFactor(replicationFactor)
        .ackTimeout(ackTimeout)
        .linger(linger)
        .maxPendingEntries(maxPendingEntries)
        .group(group)
        .chunk(chunk)
        .applyThreads(applyThreads)
        .clientSettings(clientSettings);
  }

  public static final class Builder {
    private final String bootstrapServers;
    private String topic = DEFAULT_TOPIC;
    private int partitions = DEFAULT_PARTITIONS;
    private int replicationFactor;
    private Duration ackTimeout = Duration.ofSeconds(10);
    private Duration linger = Duration.ofMillis(5);
    private int maxPendingEntries = 100_000;
    private String group = DEFAULT_GROUP;
    private int chunk = 500;
    private int applyThreads = 4;
    private Map<String, Object> clientSettings = Map.of();

    private Builder(String bootstrapServers) {
      if (bootstrapServers == null) throw new NullPointerException("bootstrapServers == null");
      if (bootstrapServers.isBlank())
        throw new IllegalArgumentException("bootstrapServers is empty");
      this.bootstrapServers = bootstrapServers;
    }

    public Builder topic(String topic) {
      if (topic == null) throw new NullPointerException("topic == null");
      if (topic.isBlank()) throw new IllegalArgumentException("topic is empty");
      this.topic = topic;
      return this;
    }

    public Builder partitions(int partitions) {
      if (partitions <= 0) throw new IllegalArgumentException("partitions <= 0: " + partitions);
      this.partitions = partitions;
      return this;
    }

    public Builder replicationFactor(int replicationFactor) {
      if (replicationFactor < 0) {
        throw new IllegalArgumentException("replicationFactor < 0: " + replicationFactor);
      }
      this.replicationFactor = replicationFactor;
      return this;
    }

    public Builder ackTimeout(Duration ackTimeout) {
      if (ackTimeout == null) throw new NullPointerException("ackTimeout == null");
      if (ackTimeout.toMillis() < 100) {
        throw new IllegalArgumentException("ackTimeout < 100 ms: " + ackTimeout);
      }
      this.ackTimeout = ackTimeout;
      return this;
    }

    public Builder linger(Duration linger) {
      if (linger == null) throw new NullPointerException("linger == null");
      if (linger.isNegative()) throw new IllegalArgumentException("linger < 0: " + linger);
      this.linger = linger;
      return this;
    }

    public Builder maxPendingEntries(int maxPendingEntries) {
      if (maxPendingEntries <= 0) {
        throw new IllegalArgumentException("maxPendingEntries <= 0: " + maxPendingEntries);
      }
      this.maxPendingEntries = maxPendingEntries;
      return this;
    }

    public Builder group(String group) {
      if (group == null) throw new NullPointerException("group == null");
      if (group.isBlank()) throw new IllegalArgumentException("group is empty");
      this.group = group;
      return this;
    }

    public Builder chunk(int chunk) {
      if (chunk <= 0) throw new IllegalArgumentException("chunk <= 0: " + chunk);
      this.chunk = chunk;
      return this;
    }

    public Builder applyThreads(int applyThreads) {
      if (applyThreads <= 0)
        throw new IllegalArgumentException("applyThreads <= 0: " + applyThreads);
      this.applyThreads = applyThreads;
      return this;
    }

    public Builder clientSettings(Map<String, ?> clientSettings) {
      if (clientSettings == null) throw new NullPointerException("clientSettings == null");
      this.clientSettings = Map.copyOf(clientSettings);
      return this;
    }

    public KafkaSettings build() {
      if (ackTimeout.compareTo(linger) <= 0) {
        throw new IllegalArgumentException(
            "ackTimeout (" + ackTimeout + ") must be longer than linger (" + linger + ")");
      }
      return new KafkaSettings(this);
    }
  }
}
