package dev.rollcall.log.kafka;

import dev.rollcall.profile.CallApplier;
import dev.rollcall.profile.ProfileStore;
import dev.rollcall.profile.ProfileWriter;
import dev.rollcall.storage.LogEntry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the calls of a {@link KafkaEventLog} to the profiles, as one member of a consumer group:
 * run one in each of several servers, and Kafka shares the topic's partitions among them.
 *
 * <h2>Design: every acknowledged call applied, none twice in effect</h2>
 *
 * The embedded processor keeps one checkpoint, an offset of the one log, in the profile store, and
 * moves it in the transaction that applies the calls ({@link dev.rollcall.profile.Processor}). A
 * Kafka topic has an offset per partition, and a processor holds only some partitions, for a while:
 * a rebalance can give a partition to another processor at any moment, in particular while the
 * first is applying calls it read from it. So:
 *
 * <ul>
 *   <li><b>The offsets that count are in the profile store</b>, one per partition ({@link
 *       ProfileStore#partitionOffsets}), not in Kafka. A processor that is given a partition seeks
 *       to the store's offset for it. It commits offsets to Kafka too, after each transaction, but
 *       only so that Kafka's tools show the group's lag.
 *   <li><b>One transaction per partition and poll</b>: the records a {@code poll} returns of one
 *       partition are applied, and the partition's offset moved, in one store transaction; the
 *       deliveries they make are queued in it too ({@link Builder#onApply}). The partitions of one
 *       poll are applied at once, up to {@link KafkaSettings#applyThreads()} transactions at a
 *       time: a processor mostly waits for the database, and partitions are independent (what they
 *       share, a profile, the store locks). A crash before a commit leaves the offset where it was,
 *       and the calls are read again, by this processor or by the next owner of the partition: none
 *       is lost.
 *   <li><b>Offsets move by compare-and-set</b> ({@link ProfileWriter#movePartitionOffset}), first
 *       thing in the transaction, which then holds the partitions' rows until it ends. If a
 *       rebalance gave a partition to another processor while this one was applying, both may apply
 *       the same records: the second transaction to reach the row finds the offset moved and rolls
 *       back, so only one of them takes effect.
 *   <li><b>Applying is idempotent by messageId</b> ({@link CallApplier}): a call appended twice
 *       (the collector's client retried after a 503, or after a lost answer) is one record more,
 *       and counts as already applied.
 * </ul>
 *
 * Calls of several partitions, applied by several processors at once, may meet in one profile (an
 * anonymous visitor's calls are keyed by the anonymousId, the call that joins them to a user by the
 * userId); the store's locks keep that correct ({@code PostgresProfileStore}).
 *
 * <p>A failing transaction (the database down) is retried after {@value #RETRY_MILLIS} ms from the
 * store's offsets; the consumer keeps polling meanwhile, so it keeps its partitions.
 */
public final class KafkaProcessor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaProcessor.class);

  /** How long a poll waits for records (ms). */
  private static final long POLL_MILLIS = 200;

  /** How long it waits after a failing transaction before trying again (ms). */
  static final long RETRY_MILLIS = 1_000;

  private final KafkaSettings settings;
  private final ProfileStore store;
  private final BiConsumer<ProfileWriter, List<LogEntry>> onApply;
  private final String name;
  private final AtomicLong applied = new AtomicLong();
  private final AtomicLong alreadyApplied = new AtomicLong();
  private final AtomicLong suppressed = new AtomicLong();
  private final AtomicLong unreadable = new AtomicLong();
  private final AtomicLong fenced = new AtomicLong();

  /** Threads that apply the partitions of one poll at once, each in its own transaction. */
  private final ExecutorService appliers;

  /** The next offset to apply of each partition held, as the store has it; consumer thread. */
  private final Map<TopicPartition, Long> next = new HashMap<>();

  /** Records not applied yet, per partition held, for health and metrics. */
  private final Map<Integer, Long> lag = new ConcurrentHashMap<>();

  private volatile boolean running;
  private KafkaConsumer<byte[], byte[]> consumer;
  private Thread thread;

  private KafkaProcessor(Builder builder) {
    this.settings = builder.settings;
    this.store = builder.store;
    this.onApply = builder.onApply;
    this.name = builder.name;
    AtomicInteger threads = new AtomicInteger();
    this.appliers =
        Executors.newFixedThreadPool(
            settings.applyThreads(),
            task -> {
              Thread t = new Thread(task, name + "-apply-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  public static Builder builder(KafkaSettings settings, ProfileStore store) {
    return new Builder(settings, store);
  }

  /** Joins the group and starts applying in a thread of its own until {@link #close()}. */
  public synchronized void start() {
    if (thread != null) return;
    Map<String, Object> config = new HashMap<>(settings.clientSettings());
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
    config.put(ConsumerConfig.GROUP_ID_CONFIG, settings.group());
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, name);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, settings.chunk());
    // the consumer rebalance protocol (KIP-848): the broker assigns partitions, incrementally, and
    // a member joining or leaving does not stop the others
    config.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer");
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    consumer = new KafkaConsumer<>(config);
    running = true;
    thread = new Thread(this::loop, name);
    thread.setDaemon(true);
    thread.start();
  }

  private void loop() {
    try {
      consumer.subscribe(List.of(settings.topic()), new Rebalance());
      while (running) {
        ConsumerRecords<byte[], byte[]> records;
        try {
          records = consumer.poll(Duration.ofMillis(POLL_MILLIS));
        } catch (WakeupException e) {
          break;
        } catch (RuntimeException e) { // a failed seek in the rebalance (the store down), ...
          LOG.error("polling {} failed; trying again in {} ms", settings.topic(), RETRY_MILLIS, e);
          next.clear();
          sleep(RETRY_MILLIS);
          continue;
        }
        if (!records.isEmpty()) {
          applyOrRewind(records);
        }
        updateLag();
      }
    } finally {
      try {
        consumer.close(Duration.ofSeconds(10)); // leaves the group: the others take over at once
      } catch (RuntimeException e) {
        LOG.warn("closing the consumer of {}: {}", settings.topic(), e.toString());
      }
    }
  }

  /**
   * Applies one poll's records, a transaction per partition, up to {@link
   * KafkaSettings#applyThreads()} at once; then moves on the partitions that committed, and rewinds
   * the others to the store's offsets.
   */
  private void applyOrRewind(ConsumerRecords<byte[], byte[]> records) {
    if (!next.keySet().containsAll(records.partitions())) {
      // the offsets of a partition given to this processor could not be read from the store:
      // read them now, and what was polled from where Kafka stood is polled again from there
      rewind(consumer.assignment());
      return;
    }
    List<TopicPartition> partitions = new ArrayList<>(records.partitions());
    List<Future<long[]>> results = new ArrayList<>(partitions.size());
    for (TopicPartition tp : partitions) {
      List<ConsumerRecord<byte[], byte[]>> batch = records.records(tp);
      long expected = next.get(tp);
      Callable<long[]> work = () -> applyPartition(tp.partition(), batch, expected);
      results.add(partitions.size() == 1 ? completed(work) : appliers.submit(work));
    }
    Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
    List<TopicPartition> failed = new ArrayList<>();
    boolean pause = false;
    for (int i = 0; i < partitions.size(); i++) {
      TopicPartition tp = partitions.get(i);
      List<ConsumerRecord<byte[], byte[]>> batch = records.records(tp);
      try {
        count(results.get(i).get());
        long moved = batch.get(batch.size() - 1).offset() + 1;
        next.put(tp, moved);
        commit.put(tp, new OffsetAndMetadata(moved));
      } catch (ExecutionException e) {
        failed.add(tp);
        if (e.getCause() instanceof Fenced) {
          fenced.incrementAndGet();
          LOG.info(
              "partition {} of {} was applied by another processor meanwhile; reading on from"
                  + " the store's offset",
              tp.partition(),
              settings.topic());
        } else {
          pause = true;
          LOG.error(
              "applying calls of partition {} of {} to profiles failed; trying again in {} ms",
              tp.partition(),
              settings.topic(),
              RETRY_MILLIS,
              e.getCause());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        failed.add(tp);
      }
    }
    if (!commit.isEmpty()) {
      // for Kafka's tools only (the store's offsets are the ones that count): a failure is
      // harmless
      consumer.commitAsync(
          commit,
          (offsets, e) -> {
            if (e != null) LOG.debug("committing offsets to Kafka: {}", e.toString());
          });
    }
    if (!failed.isEmpty()) {
      if (pause) sleep(RETRY_MILLIS);
      rewind(failed);
    }
  }

  private static Future<long[]> completed(Callable<long[]> work) {
    java.util.concurrent.CompletableFuture<long[]> result =
        new java.util.concurrent.CompletableFuture<>();
    try {
      result.complete(work.call());
    } catch (Exception e) {
      result.completeExceptionally(e);
    }
    return result;
  }

  /**
   * Applies the records of one partition and moves its offset from {@code expected}, in one
   * transaction; the counts of {@link CallApplier.Result}.
   */
  private long[] applyPartition(
      int partition, List<ConsumerRecord<byte[], byte[]>> records, long expected) {
    List<LogEntry> entries = new ArrayList<>(records.size());
    Set<LogEntry> imported = Collections.newSetFromMap(new IdentityHashMap<>());
    for (ConsumerRecord<byte[], byte[]> record : records) {
      LogEntry entry = KafkaEventLog.entry(record);
      entries.add(entry);
      if (KafkaEventLog.imported(record)) imported.add(entry);
    }
    long moved = records.get(records.size() - 1).offset() + 1;
    return store.write(
        writer -> {
          if (!writer.movePartitionOffset(settings.topic(), partition, expected, moved)) {
            throw new Fenced(partition);
          }
          writer.prefetch(entries); // a few statements for the lot, not several per call
          long[] c = new long[CallApplier.Result.values().length];
          List<LogEntry> applied = new ArrayList<>(entries.size());
          for (LogEntry entry : entries) {
            CallApplier.Result result = CallApplier.apply(writer, entry);
            c[result.ordinal()]++;
            if (result == CallApplier.Result.APPLIED && !imported.contains(entry)) {
              applied.add(entry);
            }
          }
          onApply.accept(writer, applied);
          return c;
        });
  }

  private void count(long[] counts) {
    applied.addAndGet(counts[CallApplier.Result.APPLIED.ordinal()]);
    alreadyApplied.addAndGet(counts[CallApplier.Result.ALREADY_APPLIED.ordinal()]);
    suppressed.addAndGet(counts[CallApplier.Result.SUPPRESSED.ordinal()]);
    long unreadableNow = counts[CallApplier.Result.UNREADABLE.ordinal()];
    if (unreadableNow > 0) {
      unreadable.addAndGet(unreadableNow);
      LOG.error(
          "{} records of {} are not readable messages; skipped", unreadableNow, settings.topic());
    }
  }

  /**
   * Seeks {@code partitions} to the store's offsets; if the store cannot say, before the next
   * apply.
   */
  private void rewind(Collection<TopicPartition> partitions) {
    try {
      seekToStore(partitions);
    } catch (RuntimeException e) {
      partitions.forEach(next::remove);
    }
  }

  /** Seeks each of {@code partitions} to the store's offset, and remembers it as expected. */
  private void seekToStore(Collection<TopicPartition> partitions) {
    if (partitions.isEmpty()) return;
    Map<Integer, Long> offsets = store.partitionOffsets(settings.topic());
    for (TopicPartition tp : partitions) {
      long offset = offsets.getOrDefault(tp.partition(), 0L);
      consumer.seek(tp, offset);
      next.put(tp, offset);
    }
  }

  private void updateLag() {
    for (TopicPartition tp : next.keySet()) {
      consumer.currentLag(tp).ifPresent(l -> lag.put(tp.partition(), l));
    }
    lag.keySet().removeIf(p -> !next.containsKey(new TopicPartition(settings.topic(), p)));
  }

  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      if (partitions.isEmpty()) return;
      LOG.info("{} takes partitions {} of {}", name, numbers(partitions), settings.topic());
      seekToStore(partitions);
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      if (partitions.isEmpty()) return;
      LOG.info("{} gives up partitions {} of {}", name, numbers(partitions), settings.topic());
      partitions.forEach(next::remove);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      partitions.forEach(next::remove);
    }
  }

  private static List<Integer> numbers(Collection<TopicPartition> partitions) {
    return partitions.stream().map(TopicPartition::partition).sorted().toList();
  }

  /** Another processor moved the partition's offset first: this transaction must not count. */
  private static final class Fenced extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int partition;

    Fenced(int partition) {
      super("partition " + partition + " was moved by another processor", null, false, false);
      this.partition = partition;
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public long applied() {
    return applied.get();
  }

  public long alreadyApplied() {
    return alreadyApplied.get();
  }

  public long suppressed() {
    return suppressed.get();
  }

  /** Stored calls skipped because they are not readable messages (should stay 0). */
  public long unreadable() {
    return unreadable.get();
  }

  /** Transactions rolled back because another processor had applied their partition's records. */
  public long fenced() {
    return fenced.get();
  }

  /** Records not applied yet in the partitions this processor holds, as of its last poll. */
  public long lagRecords() {
    return lag.values().stream().mapToLong(Long::longValue).sum();
  }

  /** The partitions this processor holds, as of its last poll. */
  public List<Integer> partitions() {
    return lag.keySet().stream().sorted().toList();
  }

  /**
   * Stops after the transaction in hand and leaves the group, so that the other processors take its
   * partitions at once.
   */
  @Override
  public void close() {
    Thread t;
    synchronized (this) {
      running = false;
      t = thread;
      thread = null;
    }
    if (t == null) return;
    consumer.wakeup();
    try {
      t.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    appliers.shutdown();
  }

  public static final class Builder {
    private final KafkaSettings settings;
    private final ProfileStore store;
    private BiConsumer<ProfileWriter, List<LogEntry>> onApply = (writer, entries) -> {};
    private String name = "rollcall-processor";

    private Builder(KafkaSettings settings, ProfileStore store) {
      if (settings == null) throw new NullPointerException("settings == null");
      if (store == null) throw new NullPointerException("store == null");
      this.settings = settings;
      this.store = store;
    }

    /**
     * Work done in each transaction after the calls are applied, with the same writer and the calls
     * that took effect (not those applied before, nor those of suppressed people, nor those of an
     * import, {@link KafkaEventLog#appendImported}): queuing their deliveries, so that calls reach
     * the profiles and the queues together. It may run more than once for one transaction ({@link
     * ProfileStore#write}).
     */
    public Builder onApply(BiConsumer<ProfileWriter, List<LogEntry>> onApply) {
      if (onApply == null) throw new NullPointerException("onApply == null");
      this.onApply = onApply;
      return this;
    }

    /** The consumer's client id and thread name; default {@code rollcall-processor}. */
    public Builder name(String name) {
      if (name == null) throw new NullPointerException("name == null");
      this.name = name;
      return this;
    }

    public KafkaProcessor build() {
      return new KafkaProcessor(this);
    }
  }
}
