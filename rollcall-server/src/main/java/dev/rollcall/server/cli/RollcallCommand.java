package dev.rollcall.server.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code rollcall}: the one entry point; each task is a subcommand. */
@Command(
    name = "rollcall",
    mixinStandardHelpOptions = true,
    versionProvider = RollcallCommand.Version.class,
    description = "Rollcall: a self-hosted identify service, speaking Segment's tracking API.",
    subcommands = {
      ServeCommand.class,
      NormalizeCommand.class,
      ProfileCommand.class,
      DeliveryCommands.Destinations.class,
      DeliveryCommands.Deliveries.class,
      DeliveryCommands.Replay.class,
      RebuildCommand.class,
      ExportCommand.class,
      ImportCommand.class,
      PreviewCommand.class
    })
public final class RollcallCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(newCommandLine().execute(args));
  }

  /** The command line with Rollcall's conventions: errors on standard error, usage on request. */
  public static CommandLine newCommandLine() {
    return new CommandLine(new RollcallCommand()).setCaseInsensitiveEnumValuesAllowed(true);
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** The version from the jar's manifest, or {@code dev} when run from classes. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = RollcallCommand.class.getPackage().getImplementationVersion();
      return new String[] {"rollcall " + (version == null ? "dev" : version)};
    }
  }
}
