package dev.rollcall.destination.webhook;

import dev.rollcall.Message;
import dev.rollcall.destination.Destination;
import dev.rollcall.destination.DestinationRequest;
import dev.rollcall.destination.DestinationSettings;
import dev.rollcall.destination.Plan;
import dev.rollcall.internal.Json;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A generic webhook: an identify becomes one POST of the whole normalized Segment message, signed
 * when a secret is set. Rollcall Webhook format 1.0 (after Segment's classic webhooks, with
 * HMAC-SHA256 instead of HMAC-SHA1).
 *
 * <pre>
 * POST {url}
 * Content-Type: application/json
 * User-Agent: Rollcall-Webhook/1.0
 * X-Rollcall-Signature: sha256={lower-case hex HMAC-SHA256(secret, body bytes)}   (with a secret)
 * {extra headers}
 * {"type": "identify", "userId": "...", "traits": {...}, "context": {...}, "messageId": "...", ...}
 * </pre>
 *
 * <p>The body is the message as Rollcall normalized it: reserved traits in camelCase, {@code
 * createdAt} and {@code birthday} as ISO-8601 UTC strings, {@code name} filled in, plus {@code
 * messageId}, {@code timestamp}, {@code receivedAt} and {@code context.ip}; every field the client
 * sent is kept. It is serialized compactly (UTF-8, no spaces), and the signature is computed over
 * exactly the bytes sent.
 *
 * <p><b>Verifying a request</b>: read the raw body bytes before parsing them, compute HMAC-SHA256
 * with the shared secret (as UTF-8 bytes) as the key, hex-encode it in lower case, prefix {@code
 * sha256=}, and compare with the {@code X-Rollcall-Signature} header in constant time (Java {@code
 * MessageDigest.isEqual}, Python {@code hmac.compare_digest}, Node {@code crypto.timingSafeEqual}).
 * Never re-serialize the parsed JSON to check: another serializer may write other bytes. The
 * signature covers the body only; a receiver that wants to refuse replays can remember {@code
 * messageId}s (a retried delivery carries the same one) or reject old {@code timestamp}s.
 *
 * <h2>Settings</h2>
 *
 * <table>
 *   <caption>Settings</caption>
 *   <tr><th>setting</th><th>required</th><th>meaning</th></tr>
 *   <tr><td>{@code url}</td><td>yes</td><td>an {@code http://} or {@code https://} URL; anything
 *       else is an {@link IllegalArgumentException}</td></tr>
 *   <tr><td>{@code secret}</td><td>no</td><td>the shared secret; without it there is no signature
 *       header</td></tr>
 *   <tr><td>{@code headers}</td><td>no</td><td>extra headers, {@code Name: value; Name2: value2}
 *       (split at {@code ;}, then at the first {@code :}; names and values trimmed; so a value
 *       cannot contain {@code ;}). They cannot replace {@code Content-Type}, {@code User-Agent},
 *       {@code X-Rollcall-Signature} or the headers the HTTP client sets itself ({@code Host},
 *       {@code Content-Length}, ...): such a name, a part without {@code :} or a name that is not
 *       an HTTP token is an {@link IllegalArgumentException}</td></tr>
 * </table>
 */
public final class WebhookDestination implements Destination {
  public static final String USER_AGENT = "Rollcall-Webhook/1.0";
  public static final String SIGNATURE_HEADER = "X-Rollcall-Signature";

  private static final Set<String> RESERVED_HEADERS =
      Set.of(
          "content-type",
          "user-agent",
          SIGNATURE_HEADER.toLowerCase(Locale.ROOT),
          "content-length",
          "host",
          "connection",
          "expect",
          "upgrade",
          "transfer-encoding");

  @Override
  public String name() {
    return "Webhook";
  }

  @Override
  public Plan plan(Message identify, DestinationSettings settings) {
    String url = settings.required("url");
    if (!settings.isPreview() || !url.equals("<url>")) {
      String lower = url.toLowerCase(Locale.ROOT);
      if (!lower.startsWith("http://") && !lower.startsWith("https://")) {
        throw new IllegalArgumentException(
            "the Webhook setting url must be an http:// or https:// URL, not " + url);
      }
    }
    String secret = settings.optional("secret", null);
    Map<String, String> extra = headers(settings.optional("headers", ""));

    DestinationRequest.Builder request =
        DestinationRequest.builder("POST", url)
            .header("Content-Type", "application/json")
            .header("User-Agent", USER_AGENT);
    byte[] body = Json.write(identify.json());
    if (secret != null) request.header(SIGNATURE_HEADER, signature(secret, body));
    extra.forEach(request::header);
    // the bytes signed are the bytes sent
    return Plan.send(request.jsonBody(identify.json(), body).build());
  }

  /**
   * Mac.getInstance looks the provider up each time (a few µs); a Mac per thread, keyed per use.
   */
  private static final ThreadLocal<Mac> MACS =
      ThreadLocal.withInitial(
          () -> {
            try {
              return Mac.getInstance("HmacSHA256");
            } catch (NoSuchAlgorithmException e) {
              throw new IllegalStateException("HmacSHA256 is not available", e);
            }
          });

  /** {@code sha256=} and the lower-case hex HMAC-SHA256 of {@code body} keyed by {@code secret}. */
  public static String signature(String secret, byte[] body) {
    try {
      Mac mac = MACS.get();
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
    } catch (InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 refused the key", e);
    }
  }

  /** Parses {@code Name: value; Name2: value2}. */
  static Map<String, String> headers(String spec) {
    Map<String, String> headers = new LinkedHashMap<>();
    for (String part : spec.split(";")) {
      if (part.isBlank()) continue;
      int colon = part.indexOf(':');
      if (colon < 0) {
        throw new IllegalArgumentException(
            "the Webhook setting headers must read Name: value; Name2: value2, not " + spec);
      }
      String name = part.substring(0, colon).trim();
      String value = part.substring(colon + 1).trim();
      if (!isToken(name)) {
        throw new IllegalArgumentException(
            "the Webhook setting headers has an invalid header name: '" + name + "'");
      }
      if (RESERVED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
        throw new IllegalArgumentException(
            "the Webhook setting headers cannot set " + name + "; Rollcall sets it");
      }
      for (int i = 0; i < value.length(); i++) {
        char c = value.charAt(i);
        if (c < 0x20 && c != '\t' || c == 0x7f) {
          throw new IllegalArgumentException(
              "the Webhook setting headers has a control character in the value of " + name);
        }
      }
      headers.put(name, value);
    }
    return headers;
  }

  private static boolean isToken(String name) {
    if (name.isEmpty()) return false;
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!ok) return false;
    }
    return true;
  }
}
