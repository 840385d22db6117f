package dev.rollcall.server;

import dev.rollcall.server.cli.RollcallCommand;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code rollcall serve} in its own JVM, on the test's class path, for tests that must kill the
 * server for real ({@code kill -9}) rather than close it.
 *
 * <p>Standard error goes to a file (appended to across restarts, so one file tells the whole story
 * of a test); standard output is drained by a thread and echoed, and its "listening" line marks the
 * server as started. Every wait is bounded.
 */
final class ServerProcess implements AutoCloseable {
  /** What {@code serve} prints first once it listens. */
  private static final String LISTENING = "Rollcall is listening on ";

  private final Process process;
  private final String name;
  private final CompletableFuture<String> listening = new CompletableFuture<>();
  private final Thread drain;

  private ServerProcess(Process process, String name) {
    this.process = process;
    this.name = name;
    this.drain = new Thread(this::drainStdout, name + "-stdout");
    this.drain.setDaemon(true);
    this.drain.start();
  }

  /**
   * Starts {@code rollcall serve ARGS...} and returns once it prints that it listens.
   *
   * @param stderr file that the server's standard error is appended to
   * @param startTimeout how long to wait for the "listening" line
   * @throws IOException when the process cannot be started, exits before listening, or does not
   *     listen in time (it is then killed); the message quotes the end of {@code stderr}
   */
  static ServerProcess start(
      String name, List<String> serveArgs, Path stderr, Duration startTimeout)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx512m");
    command.add("-XX:+ExitOnOutOfMemoryError");
    command.add("-cp");
    // surefire sets java.class.path to the full test class path, even with its manifest-only jar
    command.add(System.getProperty("java.class.path"));
    command.add(RollcallCommand.class.getName());
    command.add("serve");
    command.addAll(serveArgs);
    Files.createDirectories(stderr.toAbsolutePath().getParent());
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectError(ProcessBuilder.Redirect.appendTo(stderr.toFile()))
            .redirectInput(ProcessBuilder.Redirect.PIPE);
    // only the command line configures the server under test
    builder.environment().keySet().removeIf(key -> key.startsWith("ROLLCALL_"));
    ServerProcess server = new ServerProcess(builder.start(), name);
    try {
      server.listening.get(startTimeout.toMillis(), TimeUnit.MILLISECONDS);
      return server;
    } catch (TimeoutException e) {
      server.kill();
      throw new IOException(
          name + " did not print that it listens within " + startTimeout + tail(stderr));
    } catch (ExecutionException e) {
      int exit = server.kill(); // it closed its output: it has exited, or is about to
      throw new IOException(
          name + " exited before listening (exit code " + exit + ")" + tail(stderr));
    } catch (InterruptedException | RuntimeException e) {
      server.kill();
      throw e;
    }
  }

  /**
   * Starts the server, trying again for up to {@code retryFor} when it exits before listening:
   * right after a kill the port or the data directory's lock can take a moment to be free.
   */
  static ServerProcess startWithRetry(
      String name, List<String> serveArgs, Path stderr, Duration startTimeout, Duration retryFor)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + retryFor.toNanos();
    while (true) {
      try {
        return start(name, serveArgs, stderr, startTimeout);
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        System.out.println("[" + name + "] start failed, retrying: " + e.getMessage());
        Thread.sleep(200);
      }
    }
  }

  /** The "listening" line the server printed. */
  String listeningLine() {
    return listening.getNow(null);
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /**
   * {@code kill -9}: {@link Process#destroyForcibly} is SIGKILL on Linux, so nothing of the server
   * runs after it (no shutdown hook, no flush). Returns once the process is gone.
   *
   * @return the exit code (137 for SIGKILL on Linux)
   */
  int kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException(name + " (pid " + pid() + ") survived SIGKILL for 30 s");
    }
    return process.exitValue();
  }

  /**
   * SIGTERM, which runs the server's shutdown hook (it commits what it accepted and closes the
   * store), then waits for the exit; a server that does not stop within {@code timeout} is killed
   * and this throws.
   */
  int stop(Duration timeout) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      kill();
      throw new IllegalStateException(name + " did not stop within " + timeout + " of SIGTERM");
    }
    drain.join(TimeUnit.SECONDS.toMillis(5));
    return process.exitValue();
  }

  /** Kills the process if it still runs: for cleanup, also after a failure. */
  @Override
  public void close() {
    if (process.isAlive()) {
      try {
        kill();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void drainStdout() {
    try (BufferedReader lines =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        System.out.println("[" + name + "] " + line);
        if (line.startsWith(LISTENING)) {
          listening.complete(line);
        }
      }
    } catch (IOException e) {
      // the process was killed while we read: its output ends here
    } finally {
      listening.completeExceptionally(new IOException(name + " closed its standard output"));
    }
  }

  /** The last lines of the server's standard error, to explain a failed start. */
  private static String tail(Path stderr) {
    try {
      List<String> lines = Files.readAllLines(stderr, StandardCharsets.UTF_8);
      List<String> last = lines.subList(Math.max(0, lines.size() - 20), lines.size());
      return last.isEmpty()
          ? " (nothing on standard error, " + stderr + ")"
          : "; the end of its standard error (" + stderr + "):\n  " + String.join("\n  ", last);
    } catch (IOException | UncheckedIOException e) {
      return " (cannot read its standard error, " + stderr + ": " + e + ")";
    }
  }
}
