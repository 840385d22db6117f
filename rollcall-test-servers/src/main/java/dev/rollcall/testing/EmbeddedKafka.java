package dev.rollcall.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool$;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;

/**
 * A real Kafka broker in this JVM: one KRaft node that is both broker and controller, started from
 * the Kafka server jars, with its data in a directory of its own. No Docker, no download at test
 * time.
 *
 * <p>{@link #stop} and {@link #start} again keep the data directory and the ports, so that clients
 * reconnect to the same address after a restart, as they would to a real broker.
 *
 * <p>Settings for one node: internal topics with one replica, few partitions for the consumer
 * offsets (a group coordinator starts in milliseconds instead of loading 50 partitions), and no
 * initial rebalance delay, so that tests do not wait for consumer groups to settle.
 */
public final class EmbeddedKafka implements AutoCloseable {
  private final Path dir;
  private final boolean ownsDir;
  private final int brokerPort;
  private final int controllerPort;
  private final Map<String, String> overrides;
  private KafkaRaftServer server;

  private static EmbeddedKafka shared;

  private EmbeddedKafka(Path dir, boolean ownsDir, Map<String, String> overrides) {
    this.dir = dir;
    this.ownsDir = ownsDir;
    this.overrides = Map.copyOf(overrides);
    this.brokerPort = freePort();
    this.controllerPort = freePort();
  }

  /**
   * One broker for every test of this JVM that needs no broker of its own, started on first use and
   * stopped when the JVM exits; do not close it. Tests share it by using topics (and consumer
   * groups) of their own.
   */
  public static synchronized EmbeddedKafka shared() {
    if (shared == null) {
      shared = start();
      Runtime.getRuntime().addShutdownHook(new Thread(shared::close, "embedded-kafka-stop"));
    }
    return shared;
  }

  /** Starts a broker with its data in a new temporary directory, deleted by {@link #close}. */
  public static EmbeddedKafka start() {
    return start(Map.of());
  }

  /**
   * Starts a broker with its data in a new temporary directory, deleted by {@link #close}.
   *
   * @param overrides broker settings on top of this class's ({@code num.partitions}, ...)
   */
  public static EmbeddedKafka start(Map<String, String> overrides) {
    try {
      EmbeddedKafka kafka =
          new EmbeddedKafka(Files.createTempDirectory("rollcall-kafka"), true, overrides);
      kafka.restart();
      return kafka;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code host:port} for {@code bootstrap.servers}. */
  public String bootstrapServers() {
    return "localhost:" + brokerPort;
  }

  /** Starts the broker again after {@link #stop}, on the same data and ports. */
  public synchronized void restart() {
    if (server != null) return;
    Properties properties = properties();
    format(properties);
    KafkaRaftServer started = new KafkaRaftServer(new KafkaConfig(properties, false), Time.SYSTEM);
    started.startup();
    server = started;
  }

  /** Shuts the broker down cleanly (its logs flushed); clients see it as unreachable. */
  public synchronized void stop() {
    if (server == null) return;
    server.shutdown();
    server.awaitShutdown();
    server = null;
  }

  public synchronized boolean isRunning() {
    return server != null;
  }

  /** Creates a topic with one replica; an existing one is left as it is. */
  public void createTopic(String name, int partitions) {
    try (Admin admin = admin()) {
      admin
          .createTopics(List.of(new NewTopic(name, partitions, (short) 1)))
          .all()
          .get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new IllegalStateException("cannot create the topic " + name, e.getCause());
      }
    } catch (Exception e) {
      throw new IllegalStateException("cannot create the topic " + name, e);
    }
  }

  /** An admin client of this broker; the caller closes it. */
  public Admin admin() {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()));
  }

  /**
   * The end offset of each partition of {@code topic} that holds records (partitions 0 to {@code
   * partitions - 1}): where a processor's offsets stand once it has applied everything.
   */
  public Map<Integer, Long> endOffsets(String topic, int partitions) {
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    for (int p = 0; p < partitions; p++) {
      request.put(new TopicPartition(topic, p), OffsetSpec.latest());
    }
    Map<Integer, Long> end = new HashMap<>();
    try (Admin admin = admin()) {
      admin
          .listOffsets(request)
          .all()
          .get(30, TimeUnit.SECONDS)
          .forEach(
              (tp, info) -> {
                if (info.offset() > 0) end.put(tp.partition(), info.offset());
              });
    } catch (Exception e) {
      throw new IllegalStateException("cannot read the end offsets of " + topic, e);
    }
    return end;
  }

  @Override
  public void close() {
    stop();
    if (ownsDir) deleteRecursively(dir);
  }

  private Properties properties() {
    Map<String, String> settings = new HashMap<>();
    settings.put("process.roles", "broker,controller");
    settings.put("node.id", "1");
    settings.put("controller.quorum.voters", "1@localhost:" + controllerPort);
    settings.put(
        "listeners",
        "PLAINTEXT://localhost:" + brokerPort + ",CONTROLLER://localhost:" + controllerPort);
    settings.put("advertised.listeners", "PLAINTEXT://localhost:" + brokerPort);
    settings.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    settings.put("controller.listener.names", "CONTROLLER");
    settings.put("inter.broker.listener.name", "PLAINTEXT");
    settings.put("log.dirs", dir.resolve("data").toString());
    settings.put("offsets.topic.replication.factor", "1");
    settings.put("offsets.topic.num.partitions", "4");
    settings.put("transaction.state.log.replication.factor", "1");
    settings.put("transaction.state.log.min.isr", "1");
    settings.put("share.coordinator.state.topic.replication.factor", "1");
    settings.put("share.coordinator.state.topic.min.isr", "1");
    settings.put("group.initial.rebalance.delay.ms", "0");
    // members of a consumer group learn of a new assignment at their next heartbeat
    settings.put("group.consumer.heartbeat.interval.ms", "500");
    settings.put("group.consumer.min.heartbeat.interval.ms", "500");
    settings.put("num.partitions", "4");
    settings.put("auto.create.topics.enable", "false");
    settings.put("log.cleaner.dedupe.buffer.size", "2097152");
    settings.putAll(overrides);
    Properties properties = new Properties();
    properties.putAll(settings);
    return properties;
  }

  /** Formats the data directory the first time, as {@code kafka-storage.sh format} does. */
  private void format(Properties properties) {
    Path config = dir.resolve("server.properties");
    if (Files.exists(dir.resolve("data").resolve("meta.properties"))) return;
    try (var out = Files.newBufferedWriter(config)) {
      properties.store(out, "written by EmbeddedKafka");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    int status;
    try (PrintStream print = new PrintStream(output, true, StandardCharsets.UTF_8)) {
      status =
          StorageTool$.MODULE$.execute(
              new String[] {
                "format",
                "--cluster-id",
                "cm9sbGNhbGwtdGVzdHMtMQ",
                "--config",
                config.toString(),
                "--ignore-formatted"
              },
              print);
    }
    if (status != 0) {
      throw new IllegalStateException(
          "formatting the Kafka storage failed: " + output.toString(StandardCharsets.UTF_8));
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteRecursively(Path path) {
    try (Stream<Path> walk = Files.walk(path)) {
      walk.sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.deleteIfExists(p);
                } catch (IOException ignored) {
                  // a temporary directory: the system cleans it eventually
                }
              });
    } catch (IOException ignored) {
      // as above
    }
  }
}
