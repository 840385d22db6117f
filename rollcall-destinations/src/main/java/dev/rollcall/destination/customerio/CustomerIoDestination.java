package dev.rollcall.destination.customerio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.Message;
import dev.rollcall.destination.Destination;
import dev.rollcall.destination.DestinationRequest;
import dev.rollcall.destination.DestinationSettings;
import dev.rollcall.destination.Plan;
import dev.rollcall.internal.Json;
import dev.rollcall.spec.Dates;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Customer.io: an identify becomes one "add or update a customer" request of the <b>Track API
 * v1</b>, an upsert keyed by the identifier in the path.
 *
 * <pre>
 * PUT {baseUrl}/api/v1/customers/{percent-encoded userId, else email}
 * Authorization: Basic base64(siteId:apiKey)
 * Content-Type: application/json
 * {"email": ..., "created_at": ..., ...other traits..., "anonymous_id": ...}
 * </pre>
 *
 * <table>
 *   <caption>Normalized identify → Customer.io person attributes</caption>
 *   <tr><th>Rollcall</th><th>Customer.io</th></tr>
 *   <tr><td>{@code userId}, else {@code traits.email}</td><td>identifier in the path (RFC 3986
 *       percent-encoding of everything but unreserved characters, so {@code cio_<id>} passes
 *       verbatim; {@code .} and {@code ..} are encoded too)</td></tr>
 *   <tr><td>{@code traits.email}</td><td>{@code email}</td></tr>
 *   <tr><td>{@code traits.createdAt}</td><td>{@code created_at}, Unix seconds (a date that cannot
 *       be read stays {@code createdAt} as sent)</td></tr>
 *   <tr><td>every other trait</td><td>the same name, value as sent (objects stay objects:
 *       Customer.io keeps JSON attributes), but an ISO-8601 date, in an object too, as Unix
 *       seconds ({@code birthday}), which Customer.io's timestamp rules need; setting {@code
 *       convertTimestamps: false} sends them as they are</td></tr>
 *   <tr><td>{@code anonymousId}</td><td>{@code anonymous_id} (links the person's anonymous
 *       activity), unless a trait of that name is sent</td></tr>
 * </table>
 *
 * <p>Not sent, with the reason "Customer.io needs a userId or an email": a call with neither.
 *
 * <p>Settings: {@code siteId} and {@code apiKey} (required; in preview the header reads {@code
 * Basic base64(<siteId>:<apiKey>)} rather than the encoding of placeholders), {@code region}
 * ({@code us}, the default, → {@value #US_BASE_URL}; {@code eu} → {@value #EU_BASE_URL}), {@code
 * baseUrl} (overrides the region's), {@code convertTimestamps} ({@code true}, the default, or
 * {@code false}).
 */
public final class CustomerIoDestination implements Destination {
  public static final String NAME = "Customer.io";
  public static final String US_BASE_URL = "https://track.customer.io";
  public static final String EU_BASE_URL = "https://track-eu.customer.io";

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  /** An ISO-8601 date, or date-time with seconds, fraction and zone optional. */
  private static final Pattern ISO_DATE =
      Pattern.compile(
          "\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}(:?\\d{2})?)?)?");

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Plan plan(Message identify, DestinationSettings settings) {
    ObjectNode traits = identify.traits();
    String userId = identify.userId();
    JsonNode emailNode = traits.get("email");
    String email =
        emailNode != null && emailNode.isTextual() && !emailNode.textValue().isEmpty()
            ? emailNode.textValue()
            : null;
    String id = userId != null ? userId : email;
    if (id == null) {
      return Plan.skip("Customer.io needs a userId or an email");
    }
    String siteId = settings.required("siteId");
    String apiKey = settings.required("apiKey");
    String baseUrl = baseUrl(settings);

    ObjectNode body = Json.object();
    if (emailNode != null) body.set("email", emailNode);
    JsonNode createdAtNode = traits.get("createdAt");
    Instant createdAt = Dates.parse(createdAtNode);
    if (createdAt != null) body.put("created_at", createdAt.getEpochSecond());
    boolean convert = convertTimestamps(settings);
    Iterator<Map.Entry<String, JsonNode>> fields = traits.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      String key = field.getKey();
      if (key.equals("email") || (key.equals("createdAt") && createdAt != null)) continue;
      body.set(key, convert ? withUnixDates(field.getValue()) : field.getValue());
    }
    String anonymousId = identify.anonymousId();
    if (anonymousId != null && !body.has("anonymous_id")) body.put("anonymous_id", anonymousId);

    return Plan.send(
        DestinationRequest.builder("PUT", baseUrl + "/api/v1/customers/" + encodePathSegment(id))
            .header("Authorization", authorization(settings, siteId, apiKey))
            .jsonBody(body)
            .build());
  }

  /**
   * An ISO-8601 date or date-time written as Unix seconds, in objects too (not in arrays): what
   * Customer.io's segments and campaigns compare as a timestamp, and what Segment's own Customer.io
   * destination sends by default. A string that is not an ISO-8601 date stays as it is, even one
   * that is a Unix time already.
   */
  static JsonNode withUnixDates(JsonNode value) {
    if (value.isTextual() && ISO_DATE.matcher(value.textValue()).matches()) {
      Instant date = Dates.parse(value.textValue());
      return date == null ? value : LongNode.valueOf(date.getEpochSecond());
    }
    if (value.isObject()) {
      ObjectNode converted = Json.object();
      value.fields().forEachRemaining(f -> converted.set(f.getKey(), withUnixDates(f.getValue())));
      return converted;
    }
    return value;
  }

  private static boolean convertTimestamps(DestinationSettings settings) {
    String value = settings.optional("convertTimestamps", "true").trim().toLowerCase(Locale.ROOT);
    return switch (value) {
      case "true" -> true;
      case "false" -> false;
      default ->
          throw new IllegalArgumentException(
              "the Customer.io setting convertTimestamps must be true or false, not " + value);
    };
  }

  private static String baseUrl(DestinationSettings settings) {
    String region = settings.optional("region", "us").toLowerCase(Locale.ROOT);
    String regional;
    switch (region) {
      case "us" -> regional = US_BASE_URL;
      case "eu" -> regional = EU_BASE_URL;
      default ->
          throw new IllegalArgumentException(
              "the Customer.io setting region must be us or eu, not " + region);
    }
    String url = settings.optional("baseUrl", regional);
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  private static String authorization(DestinationSettings settings, String siteId, String apiKey) {
    if (settings.isPreview() && (siteId.equals("<siteId>") || apiKey.equals("<apiKey>"))) {
      return "Basic base64(" + siteId + ":" + apiKey + ")";
    }
    String credentials = siteId + ":" + apiKey;
    return "Basic "
        + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
  }

  /** RFC 3986: every byte of the UTF-8 form but the unreserved characters, as {@code %XX}. */
  static String encodePathSegment(String value) {
    if (value.equals(".")) return "%2E";
    if (value.equals("..")) return "%2E%2E";
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    StringBuilder out = new StringBuilder(bytes.length + 8);
    for (byte b : bytes) {
      int c = b & 0xff;
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '.'
          || c == '_'
          || c == '~') {
        out.append((char) c);
      } else {
        out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
      }
    }
    return out.toString();
  }
}
