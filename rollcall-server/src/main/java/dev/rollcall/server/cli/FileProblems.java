package dev.rollcall.server.cli;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What went wrong with a file, in words for people: the commands print it after {@code cannot read
 * FILE: }, instead of the exception's name and stack.
 */
final class FileProblems {
  private FileProblems() {}

  static String describe(IOException e) {
    if (e instanceof NoSuchFileException missing && missing.getFile() != null) {
      // a file to be written is missing only when its directory is: name the directory then
      Path parent = Path.of(missing.getFile()).getParent();
      return parent != null && !Files.isDirectory(parent)
          ? "no such directory " + parent
          : "no such file";
    }
    if (e instanceof AccessDeniedException) return "permission denied";
    if (e instanceof FileSystemException other && other.getReason() != null) {
      String reason = other.getReason(); // the system's words: "Is a directory"
      return reason.substring(0, 1).toLowerCase(Locale.ROOT) + reason.substring(1);
    }
    if (e instanceof CharacterCodingException) return "not UTF-8 text";
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }
}
