package dev.rollcall.server.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.destination.delivery.DestinationConfig;
import dev.rollcall.internal.Json;
import dev.rollcall.server.config.ConfigLoader;
import dev.rollcall.server.config.ServerConfig;
import dev.rollcall.server.destination.DeliveryOps;
import dev.rollcall.server.destination.DeliveryOps.OpsException;
import dev.rollcall.server.destination.DeliveryService;
import dev.rollcall.storage.sqlite.SqliteDeliveryQueue;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code rollcall destinations}, {@code rollcall deliveries} and {@code rollcall replay}: the
 * delivery API's operations on the embedded store's queues, read and written directly (the server
 * may be running; a replayed delivery is picked up by its worker within a poll).
 */
final class DeliveryCommands {
  private DeliveryCommands() {}

  /**
   * What the three commands share: the configuration, read as {@code serve} reads it, and how a
   * command ends.
   */
  abstract static class Base implements Callable<Integer> {
    @Spec CommandSpec spec;

    // the server's own config, not only its data directory: without the destinations it
    // configures, a destination with no deliveries yet is unknown here, and none is "configured"
    @Mixin ConfigOptions store;

    interface Operation {
      ObjectNode run(DeliveryOps ops) throws OpsException;
    }

    /** The delivery API's request the command stands for, for the scaled setup's message. */
    abstract String request();

    /**
     * Exit status 0 with the JSON; 1 without a delivery store; 2 on a bad configuration or request.
     */
    int run(Operation operation) throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      String name = spec.name();
      ServerConfig config;
      List<DestinationConfig> destinations;
      try {
        config = store.load();
        destinations = DeliveryService.configure(config, config.writeKeys());
      } catch (ConfigLoader.ConfigException | IllegalArgumentException e) {
        err.println("rollcall " + name + ": " + e.getMessage());
        return 2;
      }
      if (config.scaleOut() != null) {
        err.println(
            "rollcall "
                + name
                + ": with store: postgres the delivery queues are in PostgreSQL; ask a server: "
                + request());
        return 1;
      }
      Path file = config.dataDir().resolve("deliveries.db");
      if (!Files.exists(file)) {
        err.println("rollcall " + name + ": no delivery queues at " + file + " (is --data right?)");
        return 1;
      }
      try (SqliteDeliveryQueue queue = SqliteDeliveryQueue.open(file)) {
        ObjectNode result = operation.run(new DeliveryOps(queue, destinations, Clock.systemUTC()));
        out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(result));
        out.flush();
        return 0;
      } catch (OpsException e) {
        err.println("rollcall " + name + ": " + e.getMessage());
        return 2;
      }
    }
  }

  @Command(
      name = "destinations",
      mixinStandardHelpOptions = true,
      description = {
        "Prints, per destination configured or with deliveries, how many are delivered,"
            + " pending, retrying, skipped and dead, and the last error: GET /v1/destinations as"
            + " JSON. Give the server's config (--config or ROLLCALL_CONFIG) for its"
            + " destinations to count as configured."
      })
  static final class Destinations extends Base {
    @Override
    String request() {
      return "GET /v1/destinations";
    }

    @Override
    public Integer call() throws Exception {
      return run(DeliveryOps::destinations);
    }
  }

  @Command(
      name = "deliveries",
      mixinStandardHelpOptions = true,
      description = {
        "Prints deliveries, newest first, with their message and last error:"
            + " GET /v1/deliveries as JSON.",
        "Exit status: 0, 1 without delivery queues, 2 on a bad option or configuration."
      })
  static final class Deliveries extends Base {
    @Override
    String request() {
      return "GET /v1/deliveries";
    }

    @Option(
        names = "--destination",
        paramLabel = "NAME",
        description = "Only this destination (Mixpanel, customer.io, ...).")
    String destination;

    @Option(
        names = "--status",
        paramLabel = "STATUS",
        description = "Only this status: pending, retrying, delivered, skipped or dead.")
    String status;

    @Option(
        names = "--limit",
        paramLabel = "N",
        description = "At most N (1 to 1000; default 100).")
    Integer limit;

    @Override
    public Integer call() throws Exception {
      return run(ops -> ops.deliveries(destination, status, limit));
    }
  }

  @Command(
      name = "replay",
      mixinStandardHelpOptions = true,
      description = {
        "Puts dead deliveries back in their queue, due now, attempts reset:"
            + " POST /v1/deliveries/replay. Prints {\"replayed\": N}.",
        "Without --id, every dead delivery of the destination (or of every destination,"
            + " without --destination)."
      })
  static final class Replay extends Base {
    @Override
    String request() {
      return "POST /v1/deliveries/replay";
    }

    @Option(names = "--destination", paramLabel = "NAME", description = "The destination.")
    String destination;

    @Option(
        names = "--id",
        paramLabel = "ID",
        split = ",",
        description = "Only these dead deliveries (repeatable or comma-separated).")
    List<Long> ids = List.of();

    @Override
    public Integer call() throws Exception {
      return run(ops -> ops.replay(destination, ids));
    }
  }
}
