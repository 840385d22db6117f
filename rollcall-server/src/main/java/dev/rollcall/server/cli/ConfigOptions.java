package dev.rollcall.server.cli;

import dev.rollcall.server.config.ConfigLoader;
import dev.rollcall.server.config.ServerConfig;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The options that say which configuration a command works on, as {@code serve} would run it: the
 * log of {@code export} and {@code import}, the destinations and queues of {@code destinations},
 * {@code deliveries} and {@code replay} (a picocli mixin).
 */
final class ConfigOptions {
  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "YAML config file, as serve reads it (default: ROLLCALL_CONFIG).")
  Path config;

  @Option(
      names = "--data",
      paramLabel = "DIR",
      description =
          "Data directory of the embedded store (default: ROLLCALL_DATA, the config file's, or"
              + " ./rollcall-data).")
  Path data;

  /** Loads the configuration as {@code serve} does, from the file, the environment and defaults. */
  ServerConfig load() throws ConfigLoader.ConfigException {
    ConfigLoader.CommandLineValues values = new ConfigLoader.CommandLineValues();
    values.config = config;
    values.data = data;
    return new ConfigLoader(System.getenv()).load(values);
  }
}
