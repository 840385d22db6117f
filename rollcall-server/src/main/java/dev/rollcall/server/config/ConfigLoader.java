package dev.rollcall.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
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
 * </pre>
 *
 * Environment variables: {@code ROLLCALL_PORT}, {@code ROLLCALL_DATA}, {@code ROLLCALL_WRITE_KEYS}
 * (comma-separated), {@code ROLLCALL_ADMIN_TOKEN}, {@code ROLLCALL_DEDUP_WINDOW_SECONDS}, and
 * {@code ROLLCALL_CONFIG} for the file itself.
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
    public Path config;
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
      builder.adminToken(
          first(cli.adminToken, env("ROLLCALL_ADMIN_TOKEN"), text(file, "adminToken")));
      Integer dedup =
          firstInt(
              "dedupWindowSeconds",
              null,
              env("ROLLCALL_DEDUP_WINDOW_SECONDS"),
              text(file, "dedupWindowSeconds"));
      if (dedup != null) builder.dedupWindow(Duration.ofSeconds(dedup));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new ConfigException(e.getMessage());
    }
    return builder.build();
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
      list.add(key.textValue());
    }
    return list;
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
