package dev.rollcall.server.destination;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.Message;
import dev.rollcall.delivery.DeliveryQueue;
import dev.rollcall.destination.Destination;
import dev.rollcall.destination.DestinationSettings;
import dev.rollcall.destination.Destinations;
import dev.rollcall.destination.HttpSender;
import dev.rollcall.destination.delivery.DeliveryRouter;
import dev.rollcall.destination.delivery.DeliveryWorker;
import dev.rollcall.destination.delivery.DestinationConfig;
import dev.rollcall.destination.delivery.RetryPolicy;
import dev.rollcall.internal.Json;
import dev.rollcall.profile.ExternalId;
import dev.rollcall.profile.IdKind;
import dev.rollcall.profile.Processor;
import dev.rollcall.profile.ProfileStore;
import dev.rollcall.server.config.DestinationSetup;
import dev.rollcall.server.config.ServerConfig;
import dev.rollcall.server.config.SourceSetup;
import dev.rollcall.server.config.WriteKeys;
import dev.rollcall.spec.MessageNormalizer;
import dev.rollcall.storage.EventLog;
import dev.rollcall.storage.sqlite.SqliteDeliveryQueue;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * The delivery side of a server: the queues in {@code deliveries.db}, the router that fills them
 * after the processor, and one worker per configured destination, each on its own thread, so a slow
 * or dead destination holds up only itself. With the store on PostgreSQL ({@link #startWorkers}),
 * the queues are shared by every server and filled by the processors themselves, and this is only
 * the workers.
 */
public final class DeliveryService implements AutoCloseable {
  private final DeliveryQueue queue;
  private final List<DestinationConfig> destinations;
  private final DeliveryRouter router;
  private final List<DeliveryWorker> workers;

  private DeliveryService(
      DeliveryQueue queue,
      List<DestinationConfig> destinations,
      DeliveryRouter router,
      List<DeliveryWorker> workers) {
    this.queue = queue;
    this.destinations = destinations;
    this.router = router;
    this.workers = workers;
  }

  /**
   * Checks the destinations' settings, opens the queues and starts routing and delivering.
   *
   * @param unnamedWriteKeys the write keys of {@code writeKeys} (or the generated one): sources
   *     that send to every destination
   * @throws IllegalArgumentException naming the destination and setting when one cannot be used
   */
  public static DeliveryService start(
      ServerConfig config,
      List<String> unnamedWriteKeys,
      EventLog log,
      Processor processor,
      ProfileStore profiles,
      Path file,
      MeterRegistry registry,
      Clock clock) {
    List<DestinationConfig> destinations = configure(config, unnamedWriteKeys);
    SqliteDeliveryQueue queue = SqliteDeliveryQueue.open(file);
    DeliveryRouter router =
        new DeliveryRouter(
            log,
            processor::checkpoint,
            queue,
            destinations,
            clock,
            message -> suppressed(profiles, message));
    List<DeliveryWorker> workers = workers(config, destinations, queue, registry, clock);
    router.start();
    workers.forEach(DeliveryWorker::start);
    return new DeliveryService(queue, destinations, router, workers);
  }

  /**
   * Starts one worker per destination on {@code queue}, which others fill (the processors, with the
   * log on Kafka); the queue stays the caller's.
   *
   * @param destinations from {@link #configure}
   * @param running false to configure without starting: a server that serves the API only
   */
  public static DeliveryService startWorkers(
      ServerConfig config,
      List<DestinationConfig> destinations,
      DeliveryQueue queue,
      boolean running,
      MeterRegistry registry,
      Clock clock) {
    List<DeliveryWorker> workers =
        running ? workers(config, destinations, queue, registry, clock) : List.of();
    workers.forEach(DeliveryWorker::start);
    return new DeliveryService(queue, destinations, null, workers);
  }

  private static List<DeliveryWorker> workers(
      ServerConfig config,
      List<DestinationConfig> destinations,
      DeliveryQueue queue,
      MeterRegistry registry,
      Clock clock) {
    List<DeliveryWorker> workers = new ArrayList<>();
    Random jitter = new Random();
    for (DestinationConfig destination : destinations) {
      DestinationSetup setup = setup(config, destination.name());
      RetryPolicy policy =
          new RetryPolicy(
              RetryPolicy.DEFAULT_BASE, RetryPolicy.DEFAULT_CAP, setup.maxAttempts(), jitter);
      DeliveryWorker worker =
          new DeliveryWorker(
              destination,
              queue,
              new HttpSender(setup.timeout()),
              policy,
              clock,
              setup.concurrency());
      register(registry, worker);
      workers.add(worker);
    }
    return workers;
  }

  /** True when the call's userId or anonymousId belongs to a person deleted with suppression. */
  private static boolean suppressed(ProfileStore profiles, ObjectNode message) {
    JsonNode userId = message.get("userId");
    if (userId != null
        && userId.isTextual()
        && profiles.isSuppressed(ExternalId.of(IdKind.USER_ID, userId.textValue()))) {
      return true;
    }
    JsonNode anonymousId = message.get("anonymousId");
    return anonymousId != null
        && anonymousId.isTextual()
        && profiles.isSuppressed(ExternalId.of(IdKind.ANONYMOUS_ID, anonymousId.textValue()));
  }

  /** Each destination with its adapter and the source ids it takes calls from. */
  public static List<DestinationConfig> configure(
      ServerConfig config, List<String> unnamedWriteKeys) {
    List<DestinationConfig> list = new ArrayList<>();
    for (DestinationSetup setup : config.destinations()) {
      Destination destination = Destinations.find(setup.type());
      if (destination == null) {
        throw new IllegalArgumentException(
            "destinations." + setup.name() + ": no destination is called " + setup.type());
      }
      check(setup, destination);
      Set<String> sources = new HashSet<>();
      boolean everySource = true;
      for (SourceSetup source : config.sources()) {
        if (source.sendsTo(setup.name())) {
          sources.add(WriteKeys.sourceIdOf(source.writeKey()));
        } else {
          everySource = false;
        }
      }
      if (!everySource) {
        unnamedWriteKeys.forEach(key -> sources.add(WriteKeys.sourceIdOf(key)));
      }
      list.add(
          new DestinationConfig(
              setup.name(), destination, setup.settings(), everySource ? Set.of() : sources));
    }
    return list;
  }

  /**
   * Plans the spec's complete example with the settings, so that a missing or invalid setting stops
   * the start with its name instead of sending every call to the dead letters.
   */
  private static void check(DestinationSetup setup, Destination destination) {
    try {
      destination.plan(SampleCall.IDENTIFY, DestinationSettings.of(setup.settings(), null));
    } catch (DestinationSettings.MissingSettingException e) {
      throw new IllegalArgumentException(
          "destinations." + setup.name() + ": the setting " + e.setting() + " is required", e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("destinations." + setup.name() + ": " + e.getMessage(), e);
    }
  }

  private static DestinationSetup setup(ServerConfig config, String name) {
    return config.destinations().stream()
        .filter(d -> d.name().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private static void register(MeterRegistry registry, DeliveryWorker worker) {
    String name = worker.config().name();
    counter(registry, name, "delivered", worker, w -> w.counts().delivered());
    counter(registry, name, "retried", worker, w -> w.counts().retried());
    counter(registry, name, "dead", worker, w -> w.counts().dead());
    counter(registry, name, "skipped", worker, w -> w.counts().skipped());
  }

  private static void counter(
      MeterRegistry registry,
      String destination,
      String outcome,
      DeliveryWorker worker,
      ToDoubleFunction<DeliveryWorker> count) {
    FunctionCounter.builder("rollcall.deliveries", worker, count)
        .description("Delivery attempts by outcome (retried: failed, to be tried again)")
        .tag("destination", destination)
        .tag("outcome", outcome)
        .register(registry);
  }

  public DeliveryQueue queue() {
    return queue;
  }

  public List<DestinationConfig> destinations() {
    return destinations;
  }

  /**
   * Stops the workers (each finishes the request in flight) and the router; closes the queue if it
   * is this service's own (the embedded one).
   */
  @Override
  public void close() {
    workers.forEach(DeliveryWorker::close);
    if (router != null) {
      router.close();
      queue.close();
    }
  }

  /** The spec's complete example, normalized: what the settings are checked against. */
  private static final class SampleCall {
    static final Message IDENTIFY = sample();

    private static Message sample() {
      String json =
          "{\"type\": \"identify\", \"userId\": \"97980cfea0067\","
              + " \"anonymousId\": \"507f191e810c19729de860ea\","
              + " \"messageId\": \"022bb90c-bbac-11e4-8dfc-aa07a5b093db\","
              + " \"timestamp\": \"2015-02-23T22:28:55.111Z\","
              + " \"traits\": {\"name\": \"Peter Gibbons\", \"email\": \"peter@initech.com\","
              + " \"plan\": \"premium\", \"logins\": 5, \"address\": {\"street\": \"6th St\","
              + " \"city\": \"San Francisco\", \"state\": \"CA\", \"postalCode\": \"94103\","
              + " \"country\": \"USA\"}}}";
      try {
        JsonNode raw = Json.read(json.getBytes(StandardCharsets.UTF_8));
        return new MessageNormalizer(Clock.systemUTC()).normalize(raw, null, null).message();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
