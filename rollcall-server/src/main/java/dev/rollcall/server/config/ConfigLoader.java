package dev.rollcall.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.rollcall.destination.Destination;
import dev.rollcall.destination.Destinations;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Settles a {@link ServerConfig} from its four sources, the first that sets a value winning: the
 * command line, the environment, the config file, the defaults.
 *
 * <p>The config file is YAML (or JSON, which is YAML too):
 *
 * <pre>
 * port: 8080
 * data: ./rollcall-data
 * writeKeys: [KEY1, KEY2]
 * adminToken: TOKEN
 * dedupWindowSeconds: 86400
 * maxPendingCalls: 100000        # calls waiting to be stored; past this, 503 + Retry-After
 * idleTimeoutSeconds: 60        # a connection silent both ways this long is closed (0: never)
 * analyticsJs: ./package         # the unpacked @segment/analytics-next, for /demo
 * rateLimit: 100                # calls per second per write key (default 0: no limit)
 * rateLimitBurst: 1000          # calls at once after a quiet spell (default: one second's worth)
 * tlsCert: ./cert.pem           # PEM certificate (chain) and private key: HTTPS
 * tlsKey: ./key.pem
 * sources:                      # named sources, each with its own destinations
 *   app:
 *     writeKey: ${APP_WRITE_KEY}
 *     destinations: [mixpanel]  # omitted: every destination
 * destinations:                 # name: settings; the name is the adapter unless type says
 *   mixpanel:
 *     token: ${MIXPANEL_TOKEN}
 *   mixpanel-eu:
 *     type: mixpanel
 *     token: ${MIXPANEL_EU_TOKEN}
 *     baseUrl: https://api-eu.mixpanel.com
 *     timeoutSeconds: 10        # per request (default 10)
 *     maxAttempts: 25           # before the dead-letter queue (default 25)
 *     concurrency: 4            # requests in flight, each for another person (default 4)
 * log: kafka                    # instead of the embedded store (docs/deployment.md); with:
 * store: postgres
 * kafka:
 *   bootstrapServers: kafka-1:9092,kafka-2:9092
 *   topic: rollcall-calls       # default
 *   partitions: 12              # when Rollcall creates the topic (default 12)
 *   replicationFactor: 3        # when Rollcall creates the topic (default: the broker's)
 *   group: rollcall-processors  # the processors' consumer group (default)
 *   ackTimeoutSeconds: 10       # a collector answers 503 when Kafka takes longer (default 10)
 *   applyThreads: 4             # partitions a processor applies at once (default 4; the pool has 8 connections)
 * postgres:
 *   url: jdbc:postgresql://db:5432/rollcall
 *   user: rollcall
 *   password: ${ROLLCALL_POSTGRES_PASSWORD}
 * role: all                     # or collector, processor, delivery (with kafka and postgres)
 * </pre>
 *
 * In the secrets ({@code writeKeys}, {@code adminToken}, {@code postgres.password}) and in {@code
 * sources} and {@code destinations}, {@code ${NAME}} is replaced by the environment variable {@code
 * NAME}, so secrets stay out of the file; a variable that is not set is an error (a token taken as
 * the literal text {@code ${NAME}} would be one anyone could read in the docs). Destination names
 * are matched as Segment's are, without regard to case, spaces or punctuation ({@code Mixpanel-EU}
 * is {@code mixpaneleu}). The write keys of {@code writeKeys} send to every destination.
 *
 * <p>Environment variables: {@code ROLLCALL_PORT}, {@code ROLLCALL_HOST}, {@code ROLLCALL_DATA},
 * {@code ROLLCALL_WRITE_KEYS} (comma-separated), {@code ROLLCALL_ADMIN_TOKEN}, {@code
 * ROLLCALL_DEDUP_WINDOW_SECONDS}, {@code ROLLCALL_MAX_PENDING_CALLS}, {@code
 * ROLLCALL_IDLE_TIMEOUT_SECONDS}, {@code ROLLCALL_ANALYTICS_JS}, {@code ROLLCALL_LOG}, {@code
 * ROLLCALL_STORE}, {@code ROLLCALL_KAFKA_BOOTSTRAP_SERVERS}, {@code ROLLCALL_KAFKA_TOPIC}, {@code
 * ROLLCALL_KAFKA_PARTITIONS}, {@code ROLLCALL_KAFKA_REPLICATION_FACTOR}, {@code
 * ROLLCALL_KAFKA_GROUP}, {@code ROLLCALL_KAFKA_ACK_TIMEOUT_SECONDS}, {@code
 * ROLLCALL_KAFKA_APPLY_THREADS}, {@code ROLLCALL_POSTGRES_URL}, {@code ROLLCALL_POSTGRES_USER},
 * {@code ROLLCALL_POSTGRES_PASSWORD}, {@code ROLLCALL_ROLE}, {@code ROLLCALL_RATE_LIMIT}, {@code
 * ROLLCALL_RATE_LIMIT_BURST}, {@code ROLLCALL_TLS_CERT}, {@code ROLLCALL_TLS_KEY}, and {@code
 * ROLLCALL_CONFIG} for the file itself.
 */
public final class ConfigLoader {
  private final Map<String, String> environment;

  public ConfigLoader(Map<String, String> environment) {
    this.environment = environment;
  }

  /** Values given on the command line; null (or empty) for those not given. */
  public static final class CommandLineValues {
    public Integer port;
    public String host;
    public Path data;
    public List<String> writeKeys = List.of();
    public String adminToken;
    public Path analyticsJs;
    public Double rateLimit;
    public Integer rateLimitBurst;
    public Path tlsCert;
    public Path tlsKey;
    public Path config;
    public String role;
  }

  public ServerConfig load(CommandLineValues cli) throws ConfigException {
    Path configFile = cli.config != null ? cli.config : pathOrNull(env("ROLLCALL_CONFIG"));
    JsonNode file = configFile == null ? null : readFile(configFile);
    ServerConfig.Builder builder = ServerConfig.builder();
    try {
      Integer port = firstInt("port", cli.port, env("ROLLCALL_PORT"), text(file, "port"));
      if (port != null) builder.port(port);
      String host = first(cli.host, env("ROLLCALL_HOST"), text(file, "host"));
      if (host != null) builder.host(host);
      String data =
          first(
              cli.data == null ? null : cli.data.toString(),
              env("ROLLCALL_DATA"),
              text(file, "data"));
      if (data != null) builder.dataDir(Path.of(data));
      builder.writeKeys(writeKeys(cli, file));
      String adminToken = first(cli.adminToken, env("ROLLCALL_ADMIN_TOKEN"));
      if (adminToken == null && text(file, "adminToken") != null) {
        adminToken = expand("adminToken", text(file, "adminToken"));
      }
      builder.adminToken(adminToken);
      Integer dedup =
          firstInt(
              "dedupWindowSeconds",
              null,
              env("ROLLCALL_DEDUP_WINDOW_SECONDS"),
              text(file, "dedupWindowSeconds"));
      if (dedup != null) builder.dedupWindow(Duration.ofSeconds(dedup));
      Integer pending =
          firstInt(
              "maxPendingCalls",
              null,
              env("ROLLCALL_MAX_PENDING_CALLS"),
              text(file, "maxPendingCalls"));
      if (pending != null) builder.maxPendingEntries(pending);
      Integer idle =
          firstInt(
              "idleTimeoutSeconds",
              null,
              env("ROLLCALL_IDLE_TIMEOUT_SECONDS"),
              text(file, "idleTimeoutSeconds"));
      if (idle != null && idle < 0) {
        throw new ConfigException("idleTimeoutSeconds must be 0 (never) or more, not " + idle);
      }
      if (idle != null) builder.idleTimeout(Duration.ofSeconds(idle));
      builder.destinations(destinations(file));
      builder.sources(sources(file));
      String analyticsJs =
          first(
              cli.analyticsJs == null ? null : cli.analyticsJs.toString(),
              env("ROLLCALL_ANALYTICS_JS"),
              text(file, "analyticsJs"));
      if (analyticsJs != null) builder.analyticsJs(Path.of(analyticsJs));
      builder.scaleOut(scaleOut(file));
      String role = first(cli.role, env("ROLLCALL_ROLE"), text(file, "role"));
      if (role != null) builder.role(Role.parse(role));
      Double rateLimit =
          firstDouble(
              "rateLimit", cli.rateLimit, env("ROLLCALL_RATE_LIMIT"), text(file, "rateLimit"));
      if (rateLimit != null) builder.rateLimit(rateLimit);
      Integer burst =
          firstInt(
              "rateLimitBurst",
              cli.rateLimitBurst,
              env("ROLLCALL_RATE_LIMIT_BURST"),
              text(file, "rateLimitBurst"));
      if (burst != null) builder.rateLimitBurst(burst);
      // the certificate and its key come from the same place, so that a key in the environment
      // is never paired with a certificate from the file
      Path tlsCert = cli.tlsCert;
      Path tlsKey = cli.tlsKey;
      if (tlsCert == null && tlsKey == null) {
        tlsCert = pathOrNull(env("ROLLCALL_TLS_CERT"));
        tlsKey = pathOrNull(env("ROLLCALL_TLS_KEY"));
      }
      if (tlsCert == null && tlsKey == null) {
        tlsCert = pathOrNull(text(file, "tlsCert"));
        tlsKey = pathOrNull(text(file, "tlsKey"));
      }
      builder.tls(tlsCert, tlsKey);
      return builder.build();
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new ConfigException(e.getMessage());
    }
  }

  /**
   * {@code log: kafka} with {@code store: postgres}, their sections, and their environment
   * variables; null for the embedded store.
   */
  private ScaleOut scaleOut(JsonNode file) throws ConfigException {
    String log = first(env("ROLLCALL_LOG"), text(file, "log"));
    String store = first(env("ROLLCALL_STORE"), text(file, "store"));
    boolean kafka = is(log, "kafka", "log", "embedded");
    boolean postgres = is(store, "postgres", "store", "embedded");
    if (!kafka && !postgres) return null;
    if (kafka != postgres) {
      throw new ConfigException(
          "log: kafka and store: postgres go together (the processors keep their Kafka offsets in"
              + " PostgreSQL); set both, or neither for the embedded store");
    }
    JsonNode k = section(file, "kafka");
    JsonNode pg = section(file, "postgres");
    Integer partitions =
        firstInt("kafka.partitions", null, env("ROLLCALL_KAFKA_PARTITIONS"), text(k, "partitions"));
    Integer replication =
        firstInt(
            "kafka.replicationFactor",
            null,
            env("ROLLCALL_KAFKA_REPLICATION_FACTOR"),
            text(k, "replicationFactor"));
    Integer ackTimeout =
        firstInt(
            "kafka.ackTimeoutSeconds",
            null,
            env("ROLLCALL_KAFKA_ACK_TIMEOUT_SECONDS"),
            text(k, "ackTimeoutSeconds"));
    Integer applyThreads =
        firstInt(
            "kafka.applyThreads",
            null,
            env("ROLLCALL_KAFKA_APPLY_THREADS"),
            text(k, "applyThreads"));
    String password = env("ROLLCALL_POSTGRES_PASSWORD");
    if (password == null && text(pg, "password") != null) {
      password = expand("postgres.password", text(pg, "password"));
    }
    return new ScaleOut(
        first(env("ROLLCALL_KAFKA_BOOTSTRAP_SERVERS"), text(k, "bootstrapServers")),
        orDefault(first(env("ROLLCALL_KAFKA_TOPIC"), text(k, "topic")), "rollcall-calls"),
        partitions == null ? 12 : partitions,
        replication == null ? 0 : replication,
        orDefault(first(env("ROLLCALL_KAFKA_GROUP"), text(k, "group")), "rollcall-processors"),
        Duration.ofSeconds(ackTimeout == null ? 10 : ackTimeout),
        first(env("ROLLCALL_POSTGRES_URL"), text(pg, "url")),
        first(env("ROLLCALL_POSTGRES_USER"), text(pg, "user")),
        password,
        applyThreads == null ? ScaleOut.DEFAULT_APPLY_THREADS : applyThreads);
  }

  private static boolean is(String value, String scaled, String name, String embedded)
      throws ConfigException {
    if (value == null || value.equalsIgnoreCase(embedded)) return false;
    if (value.equalsIgnoreCase(scaled)) return true;
    throw new ConfigException(
        name + " must be " + embedded + " (the default) or " + scaled + ", not " + value);
  }

  private static JsonNode section(JsonNode file, String name) throws ConfigException {
    JsonNode section = file == null ? null : file.get(name);
    if (section == null || section.isNull()) return null;
    if (!section.isObject()) throw new ConfigException(name + " must be a mapping of settings");
    return section;
  }

  private static String orDefault(String value, String fallback) {
    return value == null ? fallback : value;
  }

  private List<String> writeKeys(CommandLineValues cli, JsonNode file) throws ConfigException {
    if (!cli.writeKeys.isEmpty()) {
      return cli.writeKeys;
    }
    String fromEnv = env("ROLLCALL_WRITE_KEYS");
    if (fromEnv != null) {
      return Arrays.stream(fromEnv.split(",")).map(String::trim).filter(k -> !k.isEmpty()).toList();
    }
    JsonNode keys = file == null ? null : file.get("writeKeys");
    if (keys == null || keys.isNull()) {
      return List.of();
    }
    if (!keys.isArray()) {
      throw new ConfigException("writeKeys in the config file must be a list of strings");
    }
    List<String> list = new ArrayList<>();
    for (JsonNode key : keys) {
      if (!key.isTextual()) {
        throw new ConfigException("writeKeys in the config file must be a list of strings");
      }
      list.add(expand("writeKeys[" + list.size() + "]", key.textValue()));
    }
    return list;
  }

  private List<DestinationSetup> destinations(JsonNode file) throws ConfigException {
    JsonNode section = file == null ? null : file.get("destinations");
    List<DestinationSetup> list = new ArrayList<>();
    if (section == null || section.isNull()) return list;
    if (!section.isObject()) {
      throw new ConfigException("destinations must map each destination's name to its settings");
    }
    for (Map.Entry<String, JsonNode> entry : section.properties()) {
      String path = "destinations." + entry.getKey();
      JsonNode body = entry.getValue();
      if (body.isNull())
        body = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
      if (!body.isObject()) throw new ConfigException(path + " must be a mapping of settings");
      String name = Destination.key(entry.getKey());
      if (name.isEmpty()) throw new ConfigException(path + ": a name needs letters or digits");
      Map<String, String> settings = new java.util.LinkedHashMap<>();
      String type = entry.getKey();
      java.time.Duration timeout = DestinationSetup.DEFAULT_TIMEOUT;
      int maxAttempts = DestinationSetup.DEFAULT_MAX_ATTEMPTS;
      int concurrency = DestinationSetup.DEFAULT_CONCURRENCY;
      for (Map.Entry<String, JsonNode> setting : body.properties()) {
        String settingPath = path + "." + setting.getKey();
        if (setting.getValue().isContainerNode()) {
          throw new ConfigException(settingPath + " must be a single value");
        }
        String value = expand(settingPath, setting.getValue().asText());
        switch (setting.getKey()) {
          case "type" -> type = value;
          case "timeoutSeconds" ->
              timeout = java.time.Duration.ofSeconds(positive(settingPath, value));
          case "maxAttempts" -> maxAttempts = positive(settingPath, value);
          case "concurrency" -> concurrency = positive(settingPath, value);
          default -> settings.put(setting.getKey(), value);
        }
      }
      if (Destinations.find(type) == null) {
        throw new ConfigException(
            path + ": no destination is called " + type + "; known: " + Destinations.names());
      }
      list.add(new DestinationSetup(name, type, settings, timeout, maxAttempts, concurrency));
    }
    return list;
  }

  private List<SourceSetup> sources(JsonNode file) throws ConfigException {
    JsonNode section = file == null ? null : file.get("sources");
    List<SourceSetup> list = new ArrayList<>();
    if (section == null || section.isNull()) return list;
    if (!section.isObject()) {
      throw new ConfigException("sources must map each source's name to its writeKey");
    }
    for (Map.Entry<String, JsonNode> entry : section.properties()) {
      String path = "sources." + entry.getKey();
      JsonNode body = entry.getValue();
      JsonNode key = body.get("writeKey");
      if (key == null || !key.isValueNode() || key.asText().isBlank()) {
        throw new ConfigException(path + ".writeKey is required");
      }
      List<String> destinations = null;
      JsonNode names = body.get("destinations");
      if (names != null && !names.isNull()) {
        if (!names.isArray()) {
          throw new ConfigException(path + ".destinations must be a list of destination names");
        }
        destinations = new ArrayList<>();
        for (JsonNode name : names) destinations.add(Destination.key(name.asText()));
      }
      list.add(
          new SourceSetup(entry.getKey(), expand(path + ".writeKey", key.asText()), destinations));
    }
    return list;
  }

  /** Replaces each {@code ${NAME}} with the environment variable NAME. */
  private String expand(String path, String value) throws ConfigException {
    StringBuilder out = new StringBuilder();
    int at = 0;
    while (true) {
      int start = value.indexOf("${", at);
      if (start < 0) break;
      int end = value.indexOf('}', start);
      if (end < 0) break;
      String variable = value.substring(start + 2, end);
      String replacement = environment.get(variable);
      if (replacement == null) {
        throw new ConfigException(
            path + " uses the environment variable " + variable + ", which is not set");
      }
      out.append(value, at, start).append(replacement);
      at = end + 1;
    }
    return out.append(value.substring(at)).toString();
  }

  private static int positive(String path, String value) throws ConfigException {
    try {
      int number = Integer.parseInt(value.trim());
      if (number > 0) return number;
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new ConfigException(path + " must be a positive whole number, not " + value);
  }

  private String env(String name) {
    String value = environment.get(name);
    return value == null || value.isBlank() ? null : value.trim();
  }

  private static JsonNode readFile(Path file) throws ConfigException {
    try {
      JsonNode node = new ObjectMapper(new YAMLFactory()).readTree(Files.readAllBytes(file));
      if (node != null && !node.isNull() && !node.isMissingNode() && !node.isObject()) {
        throw new ConfigException("the config file " + file + " must hold a mapping of settings");
      }
      return node;
    } catch (IOException e) {
      throw new ConfigException("cannot read the config file " + file + ": " + e.getMessage());
    }
  }

  private static String text(JsonNode file, String field) {
    JsonNode value = file == null ? null : file.get(field);
    return value == null || value.isNull() || value.isContainerNode() ? null : value.asText();
  }

  private static String first(String... values) {
    for (String value : values) {
      if (value != null) {
        return value;
      }
    }
    return null;
  }

  private static Integer firstInt(String name, Integer cli, String... values)
      throws ConfigException {
    if (cli != null) {
      return cli;
    }
    String value = first(values);
    if (value == null) {
      return null;
    }
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new ConfigException(name + " must be a whole number, not " + value);
    }
  }

  private static Double firstDouble(String name, Double cli, String... values)
      throws ConfigException {
    if (cli != null) {
      return cli;
    }
    String value = first(values);
    if (value == null) {
      return null;
    }
    try {
      return Double.valueOf(value.trim());
    } catch (NumberFormatException e) {
      throw new ConfigException(name + " must be a number, not " + value);
    }
  }

  private static Path pathOrNull(String value) {
    return value == null ? null : Path.of(value);
  }

  /** A setting that cannot be used; the message says which and why. */
  public static final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
      super(message);
    }
  }
}
