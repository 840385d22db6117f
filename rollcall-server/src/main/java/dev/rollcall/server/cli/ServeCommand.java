package dev.rollcall.server.cli;

import dev.rollcall.server.RollcallServer;
import dev.rollcall.server.ScaledServer;
import dev.rollcall.server.config.ConfigLoader;
import dev.rollcall.server.config.Role;
import dev.rollcall.server.config.ServerConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code rollcall serve}: runs the server until it is stopped (Ctrl-C, SIGTERM). */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the Rollcall server on the embedded store (SQLite files in the data directory).",
      "Each option can also be set by an environment variable (ROLLCALL_PORT, ROLLCALL_DATA,"
          + " ROLLCALL_WRITE_KEYS comma-separated, ROLLCALL_ADMIN_TOKEN, ROLLCALL_RATE_LIMIT,"
          + " ROLLCALL_RATE_LIMIT_BURST, ROLLCALL_TLS_CERT, ROLLCALL_TLS_KEY, ROLLCALL_CONFIG) or in"
          + " the config file; the command line wins, then the environment, then the file."
    })
final class ServeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--port",
      paramLabel = "PORT",
      description = "TCP port to listen on (default: 8080).")
  Integer port;

  @Option(
      names = "--host",
      paramLabel = "ADDRESS",
      description = "Address to listen on (default: 0.0.0.0, every interface).")
  String host;

  @Option(
      names = "--data",
      paramLabel = "DIR",
      description = "Data directory (default: ./rollcall-data).")
  Path data;

  @Option(
      names = "--write-key",
      paramLabel = "KEY",
      description =
          "A write key that sources may send calls with; repeat for several. Without any, the first start creates one in the data directory.")
  List<String> writeKeys = new ArrayList<>();

  @Option(
      names = "--admin-token",
      paramLabel = "TOKEN",
      description =
          "Token for the APIs that read data (Authorization: Bearer TOKEN). Without one, the first start creates one in the data directory.")
  String adminToken;

  @Option(
      names = "--analytics-js",
      paramLabel = "DIR",
      description =
          "The unpacked @segment/analytics-next npm package, served by the /demo page (optional).")
  Path analyticsJs;

  @Option(
      names = "--rate-limit",
      paramLabel = "CALLS",
      description =
          "Calls per second each write key may send on average; beyond it the answer is 429 with"
              + " Retry-After (default: 0, no limit).")
  Double rateLimit;

  @Option(
      names = "--rate-limit-burst",
      paramLabel = "CALLS",
      description =
          "Calls a write key may send at once after a quiet spell (default: one second's worth).")
  Integer rateLimitBurst;

  @Option(
      names = "--tls-cert",
      paramLabel = "FILE",
      description = "PEM certificate (chain) to serve HTTPS with; needs --tls-key.")
  Path tlsCert;

  @Option(
      names = "--tls-key",
      paramLabel = "FILE",
      description = "PEM private key (PKCS#8, or PKCS#1 RSA) of --tls-cert.")
  Path tlsKey;

  @Option(names = "--config", paramLabel = "FILE", description = "YAML config file.")
  Path config;

  @Option(
      names = "--role",
      paramLabel = "ROLE",
      description =
          "collector, processor, delivery or all (default: all, or ROLLCALL_ROLE). Roles other"
              + " than all need log: kafka and store: postgres; see docs/deployment.md.")
  String role;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ConfigLoader.CommandLineValues values = new ConfigLoader.CommandLineValues();
    values.port = port;
    values.host = host;
    values.data = data;
    values.writeKeys = writeKeys;
    values.adminToken = adminToken;
    values.analyticsJs = analyticsJs;
    values.rateLimit = rateLimit;
    values.rateLimitBurst = rateLimitBurst;
    values.tlsCert = tlsCert;
    values.tlsKey = tlsKey;
    values.config = config;
    values.role = role;
    ServerConfig serverConfig;
    try {
      serverConfig = new ConfigLoader(System.getenv()).load(values);
    } catch (ConfigLoader.ConfigException e) {
      err.println("rollcall serve: " + e.getMessage());
      return 2;
    }
    AutoCloseable server;
    try {
      if (serverConfig.scaleOut() != null) {
        ScaledServer scaled = ScaledServer.start(serverConfig, Clock.systemUTC());
        printBanner(out, scaled);
        server = scaled;
      } else {
        RollcallServer embedded = RollcallServer.start(serverConfig, Clock.systemUTC());
        printBanner(out, embedded);
        server = embedded;
      }
    } catch (Exception e) {
      err.println("rollcall serve: cannot start: " + e.getMessage());
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    server.close();
                  } catch (Exception e) {
                    err.println("rollcall serve: stopping: " + e.getMessage());
                  }
                  stopped.countDown();
                },
                "rollcall-shutdown"));
    stopped.await();
    return 0;
  }

  private static void printBanner(PrintWriter out, ScaledServer server) {
    ServerConfig config = server.config();
    String host = config.host().equals("0.0.0.0") ? "localhost" : config.host();
    String url = "http://" + host + ":" + server.port();
    out.println(
        "Rollcall ("
            + config.role().wireName()
            + ") is listening on "
            + url
            + ": log on Kafka at "
            + config.scaleOut().bootstrapServers()
            + " (topic "
            + config.scaleOut().topic()
            + "), store on PostgreSQL at "
            + config.scaleOut().postgresUrl());
    if (server.eventLog() != null) {
      out.println(
          config.writeKeys().isEmpty() && config.sources().isEmpty()
              ? "Write key: "
                  + server.writeKeys().get(0)
                  + " (kept in "
                  + config.dataDir().resolve("write-key")
                  + "; configure writeKeys when several collectors run)"
              : "Write keys: the " + server.writeKeys().size() + " given in the configuration");
    }
    if (server.processor() != null) {
      out.println("Processing: member of the consumer group " + config.scaleOut().group());
    }
    if (server.delivery() != null) {
      var destinations = server.delivery().destinations();
      out.println(
          destinations.isEmpty()
              ? "Destinations: none configured"
              : "Destinations: "
                  + destinations
                  + (config.role().runs(Role.DELIVERY) ? "" : " (delivered by other servers)"));
      out.println("Console: " + url + "/console/ (sign in with the admin token)");
    }
    out.flush();
  }

  private static void printBanner(PrintWriter out, RollcallServer server) {
    ServerConfig config = server.config();
    String host = config.host().equals("0.0.0.0") ? "localhost" : config.host();
    String url = (config.tls() ? "https://" : "http://") + host + ":" + server.port();
    out.println(
        "Rollcall is listening on "
            + url
            + " (data in "
            + config.dataDir().toAbsolutePath().normalize()
            + ")");
    if (config.writeKeys().isEmpty() && config.sources().isEmpty()) {
      String key = server.writeKeys().get(0);
      out.println(
          "Write key: "
              + key
              + (server.writeKeyGenerated() ? " (generated now; kept in " : " (kept in ")
              + config.dataDir().resolve("write-key")
              + ")");
      out.println(
          "Try: curl -u "
              + key
              + ": -H 'Content-Type: application/json' -d '{\"userId\": \"97980cfea0067\","
              + " \"traits\": {\"name\": \"Peter Gibbons\"}}' "
              + url
              + "/v1/identify");
    } else {
      out.println(
          "Write keys: the "
              + server.writeKeys().size()
              + " given in the configuration"
              + (config.sources().isEmpty() ? "" : " (sources " + config.sources() + ")"));
    }
    var destinations = server.delivery().destinations();
    out.println(
        destinations.isEmpty()
            ? "Destinations: none configured (see the README's Destinations section)"
            : "Destinations: " + destinations);
    if (config.adminToken() == null) {
      out.println(
          "Admin token (Profile API, preview): kept in "
              + config.dataDir().resolve("admin-token")
              + "; send it as Authorization: Bearer TOKEN");
    }
    if (config.rateLimit() > 0) {
      out.println(
          "Rate limit: "
              + config.rateLimit()
              + " calls per second per write key, "
              + config.rateLimitBurst()
              + " at once");
    }
    out.println("Console: " + url + "/console/ (sign in with the admin token)");
    out.flush();
  }
}
