package dev.rollcall.destination.amplitude;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.Context;
import dev.rollcall.Message;
import dev.rollcall.destination.Destination;
import dev.rollcall.destination.DestinationRequest;
import dev.rollcall.destination.DestinationSettings;
import dev.rollcall.destination.Plan;
import dev.rollcall.internal.Json;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Amplitude: an identify becomes one request of Amplitude's <b>Identify API</b> (HTTP API v2
 * family, {@code /identify}, as documented at amplitude.com/docs/apis/analytics/identify), the
 * endpoint Segment's own Amplitude destination (Segment Actions {@code amplitude/identifyUser})
 * uses.
 *
 * <pre>
 * POST {baseUrl}/identify
 * Content-Type: application/x-www-form-urlencoded
 * Accept: application/json
 * api_key={apiKey}&amp;identification=[{"user_id", "device_id", "user_properties": {"$set": {...},
 *   "$unset": {...}}, ...}]   (each value URL-encoded, UTF-8)
 * [&amp;options={"min_id_length": n}]
 * </pre>
 *
 * Settings: {@code apiKey} (required, in the body: the API takes no other authentication), {@code
 * baseUrl} (default {@code https://api2.amplitude.com}; {@code https://api.eu.amplitude.com} for EU
 * residency), {@code minIdLength} (optional: Amplitude rejects ids shorter than 5 characters unless
 * told otherwise through {@code options.min_id_length}).
 *
 * <h2>Mapping</h2>
 *
 * As Segment Actions does: traits go to user properties under their own names, unchanged (Amplitude
 * reserves no user-property names for email, name and the like). The traits are the identify's
 * {@code traits} over its {@code context.traits}; they are already normalized (camelCase reserved
 * traits, {@code createdAt} / {@code birthday} as ISO-8601 UTC strings). Null traits are removed
 * from the profile with {@code $unset}, Rollcall's meaning of a null trait.
 *
 * <table>
 *   <caption>Normalized identify → Amplitude identification</caption>
 *   <tr><th>Rollcall</th><th>Amplitude</th></tr>
 *   <tr><td>{@code userId}</td><td>{@code user_id}</td></tr>
 *   <tr><td>{@code context.device.id}, else {@code anonymousId}</td><td>{@code device_id}</td></tr>
 *   <tr><td>each non-null trait</td><td>{@code user_properties.$set.<trait>}, as sent</td></tr>
 *   <tr><td>each null trait</td><td>{@code user_properties.$unset.<trait>: "-"}</td></tr>
 *   <tr><td>{@code context.location.country / region / city}</td>
 *       <td>{@code country}, {@code region}, {@code city}</td></tr>
 *   <tr><td>{@code context.locale}</td><td>{@code language}</td></tr>
 *   <tr><td>{@code context.app.version}</td><td>{@code app_version}</td></tr>
 *   <tr><td>{@code context.os.name / version}</td><td>{@code os_name}, {@code os_version}</td></tr>
 *   <tr><td>{@code context.device.manufacturer / model}</td>
 *       <td>{@code device_manufacturer}, {@code device_model}</td></tr>
 *   <tr><td>{@code context.network.carrier}</td><td>{@code carrier}</td></tr>
 * </table>
 *
 * Neither a user id nor a device id: skipped, since Amplitude rejects such an identification.
 */
public final class AmplitudeDestination implements Destination {
  static final int MAX_BATCH = 100;

  static final String DEFAULT_BASE_URL = "https://api2.amplitude.com";

  @Override
  public String name() {
    return "Amplitude";
  }

  @Override
  public Plan plan(Message identify, DestinationSettings settings) {
    String apiKey = settings.required("apiKey");
    String baseUrl = stripSlash(settings.optional("baseUrl", DEFAULT_BASE_URL));
    String minIdLength = settings.optional("minIdLength", null);

    Context context = identify.context();
    String userId = identify.userId();
    String deviceId = text(context.device(), "id");
    if (deviceId == null) deviceId = identify.anonymousId();
    if (isBlank(userId) && isBlank(deviceId)) {
      return Plan.skip("Amplitude needs a user_id or a device_id; the identify has neither");
    }

    ObjectNode identification = Json.object();
    if (!isBlank(userId)) identification.put("user_id", userId);
    if (!isBlank(deviceId)) identification.put("device_id", deviceId);

    ObjectNode set = Json.object();
    ObjectNode unset = Json.object();
    Iterator<Map.Entry<String, JsonNode>> fields = traits(identify).fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      if (field.getValue().isNull()) {
        unset.put(field.getKey(), "-");
      } else {
        set.set(field.getKey(), field.getValue());
      }
    }
    if (!set.isEmpty() || !unset.isEmpty()) {
      ObjectNode userProperties = identification.putObject("user_properties");
      if (!set.isEmpty()) userProperties.set("$set", set);
      if (!unset.isEmpty()) userProperties.set("$unset", unset);
    }

    copy(context.location(), "country", identification, "country");
    copy(context.location(), "region", identification, "region");
    copy(context.location(), "city", identification, "city");
    if (!isBlank(context.locale())) identification.put("language", context.locale());
    copy(context.app(), "version", identification, "app_version");
    copy(context.os(), "name", identification, "os_name");
    copy(context.os(), "version", identification, "os_version");
    copy(context.device(), "manufacturer", identification, "device_manufacturer");
    copy(context.device(), "model", identification, "device_model");
    copy(context.network(), "carrier", identification, "carrier");

    ArrayNode identifications = Json.MAPPER.createArrayNode().add(identification);
    StringBuilder form = new StringBuilder(1024);
    form.append("api_key=").append(encode(apiKey));
    form.append("&identification=");
    encode(Json.write(identifications), form);
    if (minIdLength != null) {
      ObjectNode options = Json.object();
      try {
        options.put("min_id_length", Integer.parseInt(minIdLength.strip()));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "the setting minIdLength must be a whole number, not " + minIdLength, e);
      }
      form.append("&options=").append(encode(Json.writeString(options)));
    }

    return Plan.send(
        DestinationRequest.builder("POST", baseUrl + "/identify")
            .header("Accept", "application/json")
            .textBody("application/x-www-form-urlencoded", form.toString())
            .build());
  }

  /**
   * The Identify API takes an array of identifications per request and documents no count limit;
   * 100 keeps one request near 100 KB with typical traits.
   */
  @Override
  public int maxBatchSize() {
    return MAX_BATCH;
  }

  /**
   * One request whose {@code identification} array holds every single request's, in order; the
   * {@code api_key} and {@code options} are the first's (all singles come from one configuration).
   */
  @Override
  public DestinationRequest batch(List<DestinationRequest> singles) {
    ArrayNode identifications = Json.MAPPER.createArrayNode();
    Map<String, String> first = null;
    for (DestinationRequest single : singles) {
      Map<String, String> form = decodeForm(single.textBody());
      if (first == null) first = form;
      try {
        identifications.addAll(
            (ArrayNode) Json.read(form.get("identification").getBytes(StandardCharsets.UTF_8)));
      } catch (java.io.IOException e) {
        throw new IllegalStateException("not a request of this adapter", e);
      }
    }
    StringBuilder form = new StringBuilder();
    form.append("api_key=").append(encode(first.get("api_key")));
    form.append("&identification=").append(encode(Json.writeString(identifications)));
    if (first.containsKey("options")) form.append("&options=").append(encode(first.get("options")));
    DestinationRequest one = singles.get(0);
    return DestinationRequest.builder(one.method(), one.url())
        .header("Accept", "application/json")
        .textBody("application/x-www-form-urlencoded", form.toString())
        .build();
  }

  private static Map<String, String> decodeForm(String form) {
    Map<String, String> fields = new java.util.LinkedHashMap<>();
    for (String pair : form.split("&")) {
      int eq = pair.indexOf('=');
      fields.put(
          java.net.URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
          java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return fields;
  }

  /** {@code context.traits} overlaid with the identify's {@code traits}. */
  private static ObjectNode traits(Message identify) {
    ObjectNode contextTraits = identify.context().traits();
    ObjectNode traits = identify.traits();
    if (contextTraits.isEmpty()) return traits;
    ObjectNode merged = contextTraits.deepCopy();
    merged.setAll(traits);
    return merged;
  }

  private static void copy(ObjectNode from, String field, ObjectNode to, String name) {
    String value = text(from, field);
    if (value != null) to.put(name, value);
  }

  private static String text(ObjectNode object, String field) {
    JsonNode value = object.get(field);
    return value != null && value.isTextual() && !value.textValue().isBlank()
        ? value.textValue()
        : null;
  }

  private static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }

  /**
   * {@code application/x-www-form-urlencoded} as {@link URLEncoder} writes it in UTF-8 (letters,
   * digits and {@code .-*_} as they are, space as {@code +}, every other byte {@code %XX}), in one
   * pass: {@link URLEncoder} costs more than the rest of the plan.
   */
  static String encode(String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    StringBuilder out = new StringBuilder(bytes.length + bytes.length / 2);
    encode(bytes, out);
    return out.toString();
  }

  /** Appends UTF-8 {@code bytes}, form-encoded, to {@code out}. */
  private static void encode(byte[] bytes, StringBuilder out) {
    for (byte b : bytes) {
      int c = b & 0xff;
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || c == '.'
          || c == '-'
          || c == '*'
          || c == '_') {
        out.append((char) c);
      } else if (c == ' ') {
        out.append('+');
      } else {
        out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
      }
    }
  }

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private static String stripSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }
}
