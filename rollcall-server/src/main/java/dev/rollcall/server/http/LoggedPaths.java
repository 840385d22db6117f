package dev.rollcall.server.http;

/**
 * Request paths as they may be logged: without the person in {@code /v1/profiles/{id}} (an email, a
 * user id) nor the write key in {@code /v1/projects/{writeKey}/settings}.
 */
public final class LoggedPaths {
  private static final String[][] HIDDEN = {
    {"/v1/profiles/", "{id}"}, {"/v1/projects/", "{writeKey}"}
  };

  private LoggedPaths() {}

  public static String of(String path) {
    if (path == null) return null;
    for (String[] hidden : HIDDEN) {
      if (path.startsWith(hidden[0])) {
        int end = path.indexOf('/', hidden[0].length());
        return hidden[0] + hidden[1] + (end < 0 ? "" : path.substring(end));
      }
    }
    return path;
  }
}
