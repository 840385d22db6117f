package dev.rollcall.destination.delivery;

import dev.rollcall.destination.DestinationRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Hides a destination's secrets in what Rollcall records about its deliveries: an error answer or
 * an exception may quote the token the request carried ({@code "invalid token abc123"}), and the
 * last error is shown by the delivery API and the console. A destination's secrets are only ever
 * sent to that destination.
 *
 * <p>Secrets are the settings whose name says so ({@code token}, {@code apiKey}, {@code
 * accessToken}, {@code secret}, a password); each is replaced by its name in angle brackets, as
 * preview writes a setting it was not given.
 */
final class SecretMask {
  private static final String[] SECRET_WORDS = {"token", "key", "secret", "password"};

  /** Values shorter than this are not masked: too likely to match innocent text. */
  private static final int MIN_LENGTH = 4;

  private final List<String[]> secrets = new ArrayList<>();

  SecretMask(Map<String, String> settings) {
    for (Map.Entry<String, String> setting : settings.entrySet()) {
      String value = setting.getValue();
      if (value != null && value.length() >= MIN_LENGTH && isSecret(setting.getKey())) {
        secrets.add(new String[] {value, "<" + setting.getKey() + ">"});
      }
    }
    // longest first, so that a secret containing another is masked whole
    secrets.sort((a, b) -> b[0].length() - a[0].length());
  }

  static boolean isSecret(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    for (String word : SECRET_WORDS) {
      if (lower.contains(word)) return true;
    }
    return false;
  }

  String mask(String text) {
    if (text == null) return null;
    for (String[] secret : secrets) {
      if (text.contains(secret[0])) text = text.replace(secret[0], secret[1]);
    }
    return text;
  }

  /**
   * Masks the secrets, and the credentials of {@code request}'s {@code Authorization} header: Basic
   * auth sends a secret in Base64 ({@code siteId:apiKey} for Customer.io), which an answer quoting
   * the header would show as it is.
   */
  String mask(String text, DestinationRequest request) {
    text = mask(text);
    if (text == null || request == null) return text;
    for (Map.Entry<String, String> header : request.headers().entrySet()) {
      if (!header.getKey().equalsIgnoreCase("Authorization") || header.getValue() == null) continue;
      String value = header.getValue().trim();
      int space = value.indexOf(' ');
      String credentials = space < 0 ? value : value.substring(space + 1).trim();
      if (credentials.length() >= MIN_LENGTH && text.contains(credentials)) {
        text = text.replace(credentials, "<credentials>");
      }
    }
    return text;
  }
}
