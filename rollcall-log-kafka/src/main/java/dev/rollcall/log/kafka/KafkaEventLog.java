package dev.rollcall.log.kafka;

import dev.rollcall.MessageType;
import dev.rollcall.storage.AppendResult;
import dev.rollcall.storage.EventLog;
import dev.rollcall.storage.LogEntry;
import dev.rollcall.storage.StoreUnavailableException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event log on a Kafka topic, for when one machine is not enough: any number of collectors
 * append to it, and processors in a consumer group ({@link KafkaProcessor}) apply it.
 *
 * <h2>Design</h2>
 *
 * <b>Records.</b> One record per call: the key is the person key (the {@code userId}, else the
 * {@code anonymousId}), so Kafka's partitioner puts one person's calls in one partition, in the
 * order they were appended; the value is the normalized message's JSON, as other consumers of the
 * topic would want it; the headers carry the source, the type, the messageId and when the collector
 * received the call ({@code rollcall-source}, {@code rollcall-type}, {@code rollcall-message-id},
 * {@code rollcall-received-at}), so that a processor need not parse a call to route it. The
 * record's timestamp is when it was appended, since the topic's retention goes by it: an imported
 * call keeps its {@code receivedAt} from long ago in a header, and the topic keeps it as long as
 * any other.
 *
 * <p><b>Acknowledgement.</b> The producer is idempotent with {@code acks=all}, one request in
 * flight per broker (see {@link #open}): a send completes when every in-sync replica has the
 * record, and a retried send is not written twice. The future of {@link #append} completes only
 * when all of its records are acknowledged, so the collector answers {@code 200} only for calls
 * Kafka holds. Batching is the producer's: records wait up to {@code linger} (5 ms) to share a
 * request, as the SQLite log's group commit shares an fsync.
 *
 * <p><b>Unavailable.</b> When no broker answers, sends wait in the producer's buffer and fail after
 * {@code ackTimeout} (10 s); the append then fails with {@link StoreUnavailableException} and the
 * collector answers {@code 503} with {@code Retry-After}: clients keep the calls and send them
 * again. Nothing of a failed append is acknowledged, though some of its records may be in Kafka:
 * the client's retry appends them again, and the processors apply a messageId once. The log itself
 * does not deduplicate ({@link AppendResult#duplicates()} is 0): duplicates are dropped when
 * applied. At most {@code maxPendingEntries} entries wait for acknowledgement; beyond that, appends
 * fail at once as overloaded.
 *
 * <p>{@link KafkaProducer#send} may block (for metadata, or while its buffer is full), so sends run
 * on a thread of this log's, never on the caller's: the collector calls {@link #append} on its
 * event loop.
 *
 * <p><b>Reading.</b> {@link #read} walks the topic partition after partition (all of partition 0,
 * then partition 1, ...): the order a backup or an export needs, not the order calls were made in.
 * An entry's {@link LogEntry#offset()} encodes its partition and Kafka offset ({@link #offsetOf}),
 * so that reading on from it continues where it was. Processors do not use it: they consume the
 * partitions in a group, each from its own offset ({@link KafkaProcessor}).
 */
public final class KafkaEventLog implements EventLog {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaEventLog.class);

  static final String SOURCE_HEADER = "rollcall-source";
  static final String TYPE_HEADER = "rollcall-type";
  static final String MESSAGE_ID_HEADER = "rollcall-message-id";

  /** When the collector received the call, in ms since the epoch, as decimal digits. */
  static final String RECEIVED_AT_HEADER = "rollcall-received-at";

  /** On calls appended by an import: applied to the profiles, not delivered again. */
  static final String IMPORTED_HEADER = "rollcall-imported";

  /** Bits of an entry's offset that hold the Kafka offset; the bits above hold the partition. */
  private static final int OFFSET_BITS = 47;

  private static final long OFFSET_MASK = (1L << OFFSET_BITS) - 1;

  private final KafkaSettings settings;
  private final KafkaProducer<byte[], byte[]> producer;
  private final ExecutorService sender;
  private final AtomicInteger pending = new AtomicInteger();
  private volatile boolean writable = true;
  private volatile boolean closed;
  private KafkaConsumer<byte[], byte[]> reader;
  private int partitions = -1;

  private KafkaEventLog(KafkaSettings settings, KafkaProducer<byte[], byte[]> producer) {
    this.settings = settings;
    this.producer = producer;
    this.sender =
        Executors.newSingleThreadExecutor(
            task -> {
              Thread t = new Thread(task, "rollcall-log-kafka-sender");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Connects to Kafka, creating the topic with {@link KafkaSettings#partitions()} partitions when
   * it does not exist (an existing topic is used as it is: adding partitions later would move
   * persons to other partitions).
   *
   * @throws StoreUnavailableException when no broker answers within the timeout
   */
  public static KafkaEventLog open(KafkaSettings settings) {
    ensureTopic(settings);
    Map<String, Object> config = new HashMap<>(settings.clientSettings());
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    // one request in flight per broker: a batch retried after NOT_LEADER_OR_FOLLOWER (a new topic,
    // a broker restarting) cannot be overtaken by a later one, which would leave it out of
    // sequence and retried until the ack timeout; batching keeps the throughput (tens of
    // thousands of calls/s here)
    config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
    config.put(ProducerConfig.LINGER_MS_CONFIG, (int) settings.linger().toMillis());
    config.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    long timeout = settings.ackTimeout().toMillis();
    config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) timeout);
    config.put(
        ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
        (int) Math.max(1, Math.min(30_000, timeout - settings.linger().toMillis() - 1)));
    // a full buffer fails the send after this long; the sender thread waits, never a request's
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) Math.min(timeout, 5_000));
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    config.put(ProducerConfig.CLIENT_ID_CONFIG, "rollcall-collector");
    return new KafkaEventLog(settings, new KafkaProducer<>(config));
  }

  private static void ensureTopic(KafkaSettings settings) {
    Map<String, Object> config = new HashMap<>(settings.clientSettings());
    config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
    try (Admin admin = Admin.create(config)) {
      try {
        TopicDescription description =
            admin
                .describeTopics(List.of(settings.topic()))
                .allTopicNames()
                .get(30, TimeUnit.SECONDS)
                .get(settings.topic());
        if (description.partitions().size() != settings.partitions()) {
          LOG.warn(
              "the topic {} has {} partitions, not the {} configured; it is used as it is",
              settings.topic(),
              description.partitions().size(),
              settings.partitions());
        }
        return;
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) throw e;
      }
      try {
        admin
            .createTopics(
                List.of(
                    new NewTopic(
                        settings.topic(),
                        Optional.of(settings.partitions()),
                        settings.replicationFactor() > 0
                            ? Optional.of((short) settings.replicationFactor())
                            : Optional.empty())))
            .all()
            .get(30, TimeUnit.SECONDS);
        LOG.info(
            "created the topic {} with {} partitions", settings.topic(), settings.partitions());
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) throw e;
      }
      awaitLeaders(admin, settings.topic());
    } catch (ExecutionException e) {
      throw new StoreUnavailableException(
          "Kafka at " + settings.bootstrapServers() + ": " + e.getCause().getMessage(),
          e.getCause(),
          false);
    } catch (Exception e) {
      throw new StoreUnavailableException(
          "Kafka at " + settings.bootstrapServers() + " did not answer: " + e, e, false);
    }
  }

  /**
   * Waits until every partition of a new topic has its leader, so that the first appends are not
   * answered {@code NOT_LEADER_OR_FOLLOWER} (the producer would retry them, but they would wait).
   */
  private static void awaitLeaders(Admin admin, String topic) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        TopicDescription description =
            admin
                .describeTopics(List.of(topic))
                .allTopicNames()
                .get(30, TimeUnit.SECONDS)
                .get(topic);
        if (description.partitions().stream()
            .allMatch(p -> p.leader() != null && !p.leader().isEmpty())) {
          return;
        }
      } catch (ExecutionException e) {
        // a topic just created may not be known to the broker that answers yet
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) throw e;
      }
      if (System.nanoTime() > deadline) {
        throw new StoreUnavailableException(
            "the partitions of " + topic + " have no leader", null, false);
      }
      Thread.sleep(100);
    }
  }

  @Override
  public CompletableFuture<AppendResult> append(List<LogEntry> entries) {
    return append(entries, false);
  }

  /**
   * Appends calls of an import (a backup restored, a migration from the embedded store): the
   * processors apply them to the profiles but do not deliver them, since the destinations had them
   * when they were first received.
   */
  public CompletableFuture<AppendResult> appendImported(List<LogEntry> entries) {
    return append(entries, true);
  }

  private CompletableFuture<AppendResult> append(List<LogEntry> entries, boolean imported) {
    int n = entries.size();
    if (n == 0) return CompletableFuture.completedFuture(new AppendResult(0, 0));
    if (closed) {
      return CompletableFuture.failedFuture(
          new StoreUnavailableException("the event log is closed", null, false));
    }
    if (pending.addAndGet(n) > settings.maxPendingEntries()) {
      pending.addAndGet(-n);
      return CompletableFuture.failedFuture(
          new StoreUnavailableException(
              "more than " + settings.maxPendingEntries() + " calls wait for Kafka", null, true));
    }
    CompletableFuture<AppendResult> result = new CompletableFuture<>();
    Batch batch = new Batch(n, result);
    try {
      sender.execute(() -> send(entries, imported, batch));
    } catch (RejectedExecutionException e) {
      pending.addAndGet(-n);
      return CompletableFuture.failedFuture(
          new StoreUnavailableException("the event log is closed", e, false));
    }
    return result;
  }

  private void send(List<LogEntry> entries, boolean imported, Batch batch) {
    for (LogEntry entry : entries) {
      try {
        producer.send(record(entry, imported), (metadata, exception) -> batch.done(exception));
      } catch (RuntimeException e) { // a full buffer, a closed producer
        batch.done(e);
      }
    }
  }

  private ProducerRecord<byte[], byte[]> record(LogEntry entry, boolean imported) {
    List<Header> headers = new ArrayList<>(4);
    headers.add(header(SOURCE_HEADER, entry.sourceId()));
    headers.add(header(TYPE_HEADER, entry.type().wireName()));
    headers.add(header(MESSAGE_ID_HEADER, entry.messageId()));
    headers.add(header(RECEIVED_AT_HEADER, Long.toString(entry.receivedAtMillis())));
    if (imported) headers.add(header(IMPORTED_HEADER, "true"));
    // the record's timestamp is the producer's now, not receivedAt: retention goes by it, and an
    // imported call received months ago must not be deleted before it is applied
    return new ProducerRecord<>(
        settings.topic(),
        null,
        null,
        entry.personKey().getBytes(StandardCharsets.UTF_8),
        entry.json(),
        headers);
  }

  private static Header header(String name, String value) {
    return new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8));
  }

  /** The acknowledgements of one append's records; completes its future with the last one. */
  private final class Batch {
    private final int size;
    private final AtomicInteger remaining;
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private final CompletableFuture<AppendResult> result;

    Batch(int size, CompletableFuture<AppendResult> result) {
      this.size = size;
      this.remaining = new AtomicInteger(size);
      this.result = result;
    }

    void done(Exception exception) {
      if (exception != null) failure.compareAndSet(null, exception);
      if (remaining.decrementAndGet() > 0) return;
      pending.addAndGet(-size);
      Exception failed = failure.get();
      if (failed == null) {
        writable = true;
        result.complete(new AppendResult(size, 0));
      } else {
        boolean overloaded =
            failed instanceof org.apache.kafka.common.errors.TimeoutException
                && String.valueOf(failed.getMessage()).contains("buffer");
        if (!overloaded) writable = false;
        result.completeExceptionally(
            new StoreUnavailableException(
                "Kafka did not acknowledge the calls: " + failed.getMessage(), failed, overloaded));
      }
    }
  }

  /**
   * Up to {@code limit} entries after {@code offset}, partition after partition; see the class
   * comment. Reads what the partitions hold when it is called, and waits for nothing newer.
   */
  @Override
  public synchronized List<LogEntry> read(long offset, int limit) {
    if (limit <= 0) return List.of();
    KafkaConsumer<byte[], byte[]> consumer = reader();
    int partition = (int) (offset >>> OFFSET_BITS);
    long next = offset & OFFSET_MASK;
    List<LogEntry> entries = new ArrayList<>();
    while (entries.size() < limit && partition < partitions) {
      TopicPartition tp = new TopicPartition(settings.topic(), partition);
      long begin = consumer.beginningOffsets(List.of(tp)).get(tp);
      long end = consumer.endOffsets(List.of(tp)).get(tp);
      next = Math.max(next, begin);
      if (next >= end) {
        partition++;
        next = 0;
        continue;
      }
      consumer.assign(List.of(tp));
      consumer.seek(tp, next);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (entries.size() < limit && next < end) {
        if (System.nanoTime() > deadline) {
          throw new StoreUnavailableException(
              "Kafka did not return partition " + partition + " of " + settings.topic(),
              null,
              false);
        }
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          if (record.offset() >= end || entries.size() == limit) break;
          entries.add(entry(record));
          next = record.offset() + 1;
        }
      }
    }
    return entries;
  }

  private KafkaConsumer<byte[], byte[]> reader() {
    if (reader == null) {
      Map<String, Object> config = new HashMap<>(settings.clientSettings());
      config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
      config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
      config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1_000);
      config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
      config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
      config.put(ConsumerConfig.CLIENT_ID_CONFIG, "rollcall-log-reader");
      reader = new KafkaConsumer<>(config);
      partitions = reader.partitionsFor(settings.topic(), Duration.ofSeconds(30)).size();
    }
    return reader;
  }

  /** The {@link LogEntry#offset()} of the record at {@code offset} in {@code partition}. */
  public static long offsetOf(int partition, long offset) {
    return ((long) partition << OFFSET_BITS) | (offset + 1);
  }

  /** A log entry of a record of the topic, with its offset from {@link #offsetOf}. */
  static LogEntry entry(ConsumerRecord<byte[], byte[]> record) {
    String type = header(record, TYPE_HEADER);
    MessageType messageType = type == null ? null : MessageType.fromWireName(type);
    return new LogEntry(
        offsetOf(record.partition(), record.offset()),
        orEmpty(header(record, SOURCE_HEADER)),
        orEmpty(header(record, MESSAGE_ID_HEADER)),
        record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8),
        // a record without Rollcall's headers (written by someone else) is applied as what its
        // JSON says, or skipped as unreadable
        messageType == null ? MessageType.TRACK : messageType,
        receivedAt(record),
        record.value() == null ? new byte[0] : record.value());
  }

  private static long receivedAt(ConsumerRecord<byte[], byte[]> record) {
    String header = header(record, RECEIVED_AT_HEADER);
    if (header != null) {
      try {
        return Long.parseLong(header);
      } catch (NumberFormatException e) {
        // written by someone else: the record's own time
      }
    }
    return record.timestamp();
  }

  /** True for a record appended by {@link #appendImported}. */
  static boolean imported(ConsumerRecord<byte[], byte[]> record) {
    return record.headers().lastHeader(IMPORTED_HEADER) != null;
  }

  private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  private static String orEmpty(String value) {
    return value == null ? "" : value;
  }

  /**
   * True unless the last acknowledgement Kafka owed failed (no broker answered): {@code GET
   * /health} reports it. Appends are still tried while false, and the first that succeeds sets it
   * back.
   */
  @Override
  public boolean isWritable() {
    return !closed && writable;
  }

  @Override
  public boolean isOverloaded() {
    return pending.get() >= settings.maxPendingEntries();
  }

  /** Calls appended and not acknowledged yet. */
  public int pendingEntries() {
    return pending.get();
  }

  public KafkaSettings settings() {
    return settings;
  }

  /**
   * Stops taking appends and waits (up to the ack timeout) for those in flight to be acknowledged
   * or to fail, so that every caller gets its answer.
   */
  @Override
  public void close() {
    closed = true;
    sender.shutdown();
    try {
      sender.awaitTermination(settings.ackTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    producer.close(settings.ackTimeout());
    synchronized (this) {
      if (reader != null) reader.close();
    }
  }
}
