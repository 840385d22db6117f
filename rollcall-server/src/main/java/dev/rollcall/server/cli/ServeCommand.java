package dev.rollcall.server.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code rollcall serve}: runs the server. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = "Runs the Rollcall server on the embedded store.")
final class ServeCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("rollcall serve: the collector is not built yet");
    return 1;
  }
}
