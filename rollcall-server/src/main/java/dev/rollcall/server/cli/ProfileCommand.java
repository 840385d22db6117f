package dev.rollcall.server.cli;

import dev.rollcall.internal.Json;
import dev.rollcall.profile.ExternalId;
import dev.rollcall.profile.Profile;
import dev.rollcall.server.config.ServerConfig;
import dev.rollcall.server.profile.ProfileJson;
import dev.rollcall.storage.sqlite.SqliteProfileStore;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code rollcall profile EXTERNAL_ID}: a person's traits, as the Profile API gives them. */
@Command(
    name = "profile",
    mixinStandardHelpOptions = true,
    description = {
      "Prints a person's traits as JSON, as GET /v1/profiles/{externalId}/traits does, reading"
          + " the embedded store directly (the server may be running).",
      "Exit status: 0 when found, 1 when no one has this id, 2 on a bad id."
    })
final class ProfileCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(
      paramLabel = "EXTERNAL_ID",
      description = "user_id:ID, anonymous_id:ID or email:ADDRESS")
  String externalId;

  @Option(
      names = "--data",
      paramLabel = "DIR",
      description = "Data directory (default: ./rollcall-data, or ROLLCALL_DATA).")
  Path data;

  @Option(
      names = "--include",
      paramLabel = "TRAITS",
      split = ",",
      description = "Only these traits (comma-separated).")
  String[] include;

  @Option(names = "--verbose", description = "With each trait, when and by which call it was set.")
  boolean verbose;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ExternalId id;
    try {
      id = ExternalId.parse(externalId);
    } catch (IllegalArgumentException e) {
      err.println("rollcall profile: " + e.getMessage());
      return 2;
    }
    Path file = dataDir(data).resolve("profiles.db");
    if (!Files.exists(file)) {
      err.println("rollcall profile: no profile store at " + file + " (is --data right?)");
      return 1;
    }
    Optional<Profile> profile;
    try (SqliteProfileStore store = SqliteProfileStore.open(file)) {
      profile = store.find(id);
    }
    if (profile.isEmpty()) {
      err.println("rollcall profile: no one has the id " + id);
      return 1;
    }
    Set<String> only = include == null ? null : new HashSet<>(Arrays.asList(include));
    out.println(
        Json.MAPPER
            .writerWithDefaultPrettyPrinter()
            .writeValueAsString(ProfileJson.traits(profile.get(), only, verbose)));
    out.flush();
    return 0;
  }

  /** The data directory from the option, else ROLLCALL_DATA, else the default. */
  static Path dataDir(Path option) {
    if (option != null) return option;
    String env = System.getenv("ROLLCALL_DATA");
    return env == null || env.isBlank() ? ServerConfig.DEFAULT_DATA_DIR : Path.of(env.trim());
  }
}
