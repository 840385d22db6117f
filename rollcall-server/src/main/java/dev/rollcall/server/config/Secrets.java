package dev.rollcall.server.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/** Generated credentials kept in the data directory, and hashing for comparisons. */
public final class Secrets {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Secrets() {}

  /**
   * The secret in {@code file}, creating it (32 random characters, readable by the owner only) when
   * it does not exist yet.
   *
   * @return the secret, and whether it was created just now
   */
  public static Generated readOrCreate(Path file) throws IOException {
    if (Files.exists(file)) {
      return new Generated(Files.readString(file, StandardCharsets.UTF_8).trim(), false);
    }
    Files.createDirectories(file.toAbsolutePath().getParent());
    String secret = randomToken();
    Path temp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(temp, secret + "\n", StandardCharsets.UTF_8);
    try {
      Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: the directory's permissions are all there is
    }
    Files.move(temp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    return new Generated(secret, true);
  }

  /** 32 random alphanumeric characters, about 190 bits, like Segment's write keys. */
  public static String randomToken() {
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    StringBuilder token = new StringBuilder(32);
    for (int i = 0; i < 32; i++) {
      token.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
    }
    return token.toString();
  }

  public static byte[] sha256(String value) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every JDK has SHA-256", e);
    }
  }

  public static String sha256Hex(String value) {
    return HexFormat.of().formatHex(sha256(value));
  }

  /** A secret read from or written to the data directory. */
  public record Generated(String value, boolean created) {}
}
