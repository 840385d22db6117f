package dev.rollcall.server.cli;

import dev.rollcall.server.config.ConfigLoader;
import dev.rollcall.server.config.ServerConfig;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options that say which log {@code export} and {@code import} work on (a picocli mixin). */
final class LogOptions {
  @Option(names = "--config", paramLabel = "FILE", description = "YAML config file.")
  Path config;

  @Option(
      names = "--data",
      paramLabel = "DIR",
      description = "Data directory of the embedded store (default: ./rollcall-data).")
  Path data;

  /** Loads the configuration as {@code serve} does, from the file, the environment and defaults. */
  ServerConfig load() throws ConfigLoader.ConfigException {
    ConfigLoader.CommandLineValues values = new ConfigLoader.CommandLineValues();
    values.config = config;
    values.data = data;
    return new ConfigLoader(System.getenv()).load(values);
  }
}
