package dev.rollcall.server.console;

import dev.rollcall.server.config.Secrets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The console's sign-in sessions: a browser that presented the admin token gets a random session id
 * in a cookie, and the id stands for the token until it expires or the user signs out.
 *
 * <p>Why a cookie: a page navigation and an {@code EventSource} cannot send an {@code
 * Authorization} header, and a token kept in the page's storage could be read by any script on it.
 * The cookie is {@code HttpOnly} (no script reads it) and {@code SameSite=Strict} (no other site
 * makes the browser send it), and requests that change something must also carry a header that a
 * form on another site cannot set (see {@code AdminAuth}).
 *
 * <p>Only the SHA-256 of each id is held, in memory: a restart signs everyone out, which is the
 * safe side. Sessions last {@link #LIFETIME} from sign-in, and at most {@link #MAX_SESSIONS} are
 * kept (the oldest go first), so signing in in a loop cannot grow memory without bound.
 */
public final class ConsoleSessions {
  /** How long a session lasts from sign-in: a working day. */
  public static final Duration LIFETIME = Duration.ofHours(12);

  /** Sessions kept at most; past this, the one closest to expiry is dropped. */
  static final int MAX_SESSIONS = 1_000;

  /** The cookie's name. */
  public static final String COOKIE = "rollcall_session";

  private static final int ID_BYTES = 32;

  private final Clock clock;
  private final SecureRandom random = new SecureRandom();

  /** SHA-256 hex of the session id → when it expires, in ms since the epoch. */
  private final Map<String, Long> expiries = new ConcurrentHashMap<>();

  public ConsoleSessions(Clock clock) {
    if (clock == null) throw new NullPointerException("clock == null");
    this.clock = clock;
  }

  /** Starts a session and returns its id, for the cookie. */
  public String create() {
    long now = clock.millis();
    prune(now);
    byte[] bytes = new byte[ID_BYTES];
    random.nextBytes(bytes);
    String id = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    expiries.put(hash(id), now + LIFETIME.toMillis());
    return id;
  }

  /** True when {@code id} names a session that has not expired. */
  public boolean valid(String id) {
    if (id == null || id.isEmpty() || id.length() > 100) return false;
    Long expiry = expiries.get(hash(id));
    return expiry != null && expiry > clock.millis();
  }

  /** Ends the session, if there is one. */
  public void end(String id) {
    if (id != null) expiries.remove(hash(id));
  }

  int size() {
    return expiries.size();
  }

  private void prune(long now) {
    expiries.values().removeIf(expiry -> expiry <= now);
    while (expiries.size() >= MAX_SESSIONS) {
      String oldest = null;
      long soonest = Long.MAX_VALUE;
      for (Iterator<Map.Entry<String, Long>> it = expiries.entrySet().iterator(); it.hasNext(); ) {
        Map.Entry<String, Long> entry = it.next();
        if (entry.getValue() < soonest) {
          soonest = entry.getValue();
          oldest = entry.getKey();
        }
      }
      if (oldest == null) break;
      expiries.remove(oldest);
    }
  }

  private static String hash(String id) {
    return Secrets.sha256Hex(id);
  }
}
