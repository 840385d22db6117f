package dev.rollcall.destination.mixpanel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.Message;
import dev.rollcall.destination.Destination;
import dev.rollcall.destination.DestinationRequest;
import dev.rollcall.destination.DestinationSettings;
import dev.rollcall.destination.Plan;
import dev.rollcall.internal.Json;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Mixpanel: an identify becomes one "profile set" update of Mixpanel's <b>Ingestion API</b> (People
 * / Engage, {@code /engage#profile-set}, Ingestion API 1.0 as published at
 * docs.mixpanel.com/reference/profile-set).
 *
 * <pre>
 * POST {baseUrl}/engage?verbose=1
 * Content-Type: application/json
 * Accept: text/plain
 * [{"$token": {token}, "$distinct_id": userId else anonymousId, "$ip": context.ip else "0",
 *   "$set": {...}}]
 * </pre>
 *
 * The token travels in the body (the engage endpoint takes no other authentication). {@code
 * verbose=1} makes Mixpanel answer {@code {"status": 0|1, "error": ...}} instead of a bare {@code
 * 1}/{@code 0}: the endpoint answers {@code 200 OK} even when it rejects an update. {@code $ip}
 * {@code "0"} tells Mixpanel not to geolocate the profile by the sender's (Rollcall's) address.
 *
 * <p>Settings: {@code token} (required, the project token), {@code baseUrl} (default {@code
 * https://api.mixpanel.com}; {@code https://api-eu.mixpanel.com} or {@code
 * https://api-in.mixpanel.com} for EU / India data residency).
 *
 * <h2>Mapping</h2>
 *
 * Follows Segment's own cloud destination (Segment Actions {@code mixpanel/identifyUser}), which is
 * the authority for what a Segment user expects, plus {@code $avatar} and the address fields as
 * RudderStack maps them ({@code MPIdentifyConfig.json}), because Mixpanel reserves those profile
 * properties. The traits are the identify's {@code traits} over its {@code context.traits} (a trait
 * in both takes the {@code traits} value); they are already normalized, so snake_case ({@code
 * first_name}, {@code created_at}) arrives here in camelCase and dates as ISO-8601 UTC.
 *
 * <table>
 *   <caption>Normalized identify → Mixpanel {@code $set}</caption>
 *   <tr><th>Rollcall trait</th><th>Mixpanel</th><th>source</th></tr>
 *   <tr><td>{@code createdAt}, else {@code created}</td><td>{@code $created} (ISO string)</td>
 *       <td>Segment Actions</td></tr>
 *   <tr><td>{@code email}</td><td>{@code $email}</td><td>Segment Actions</td></tr>
 *   <tr><td>{@code firstName}</td><td>{@code $first_name}</td><td>Segment Actions</td></tr>
 *   <tr><td>{@code lastName}</td><td>{@code $last_name}</td><td>Segment Actions</td></tr>
 *   <tr><td>{@code name} (filled from first + last by the normalizer)</td><td>{@code $name}</td>
 *       <td>Segment Actions</td></tr>
 *   <tr><td>{@code username}</td><td>{@code $username}</td><td>Segment Actions</td></tr>
 *   <tr><td>{@code phone}</td><td>{@code $phone}</td><td>Segment Actions</td></tr>
 *   <tr><td>{@code avatar}</td><td>{@code $avatar}</td><td>RudderStack</td></tr>
 *   <tr><td>{@code address.city}</td><td>{@code $city} (and {@code address} kept)</td>
 *       <td>RudderStack</td></tr>
 *   <tr><td>{@code address.state}</td><td>{@code $region} (and {@code address} kept)</td>
 *       <td>RudderStack</td></tr>
 *   <tr><td>{@code address.country} when a two-letter code</td>
 *       <td>{@code $country_code}, upper case (and {@code address} kept)</td>
 *       <td>RudderStack, restricted to what Mixpanel's property holds</td></tr>
 *   <tr><td>every other trait, {@code address} included</td><td>same name, value as sent</td>
 *       <td>Segment Actions</td></tr>
 * </table>
 *
 * A null trait is sent as null (Mixpanel stores the property as null). An identify without traits
 * is skipped, as Segment does: there is nothing to set.
 */
public final class MixpanelDestination implements Destination {
  static final String DEFAULT_BASE_URL = "https://api.mixpanel.com";
  static final int MAX_BATCH = 2_000;

  /**
   * Trait → Mixpanel reserved property; {@code createdAt} and {@code created} are handled apart.
   */
  private static final Map<String, String> RESERVED =
      Map.of(
          "email", "$email",
          "firstName", "$first_name",
          "lastName", "$last_name",
          "name", "$name",
          "username", "$username",
          "phone", "$phone",
          "avatar", "$avatar");

  /** Traits that do not travel under their own name. */
  private static final Set<String> MAPPED =
      Set.of(
          "createdAt",
          "created",
          "email",
          "firstName",
          "lastName",
          "name",
          "username",
          "phone",
          "avatar");

  private static final String[] ORDER = {
    "email", "firstName", "lastName", "name", "username", "phone", "avatar"
  };

  @Override
  public String name() {
    return "Mixpanel";
  }

  @Override
  public Plan plan(Message identify, DestinationSettings settings) {
    String token = settings.required("token");
    String baseUrl = stripSlash(settings.optional("baseUrl", DEFAULT_BASE_URL));
    ObjectNode traits = traits(identify);
    if (traits.isEmpty()) {
      return Plan.skip("the identify has no traits: nothing to set on the Mixpanel profile");
    }

    ObjectNode set = Json.object();
    JsonNode created = traits.has("createdAt") ? traits.get("createdAt") : traits.get("created");
    if (created != null) set.set("$created", created);
    for (String trait : ORDER) {
      JsonNode value = traits.get(trait);
      if (value != null) set.set(RESERVED.get(trait), value);
    }
    JsonNode address = traits.get("address");
    if (address instanceof ObjectNode) {
      text(address, "city").ifPresent(city -> set.put("$city", city));
      text(address, "state").ifPresent(state -> set.put("$region", state));
      text(address, "country")
          .filter(country -> country.length() == 2 && country.chars().allMatch(Character::isLetter))
          .ifPresent(country -> set.put("$country_code", country.toUpperCase(Locale.ROOT)));
    }
    Iterator<Map.Entry<String, JsonNode>> fields = traits.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      if (!MAPPED.contains(field.getKey())) set.set(field.getKey(), field.getValue());
    }

    ObjectNode update = Json.object();
    update.put("$token", token);
    update.put("$distinct_id", identify.personKey());
    String ip = identify.context().ip();
    update.put("$ip", ip != null && !ip.isEmpty() ? ip : "0");
    update.set("$set", set);
    ArrayNode body = Json.MAPPER.createArrayNode().add(update);

    return Plan.send(
        DestinationRequest.builder("POST", baseUrl + "/engage?verbose=1")
            .header("Content-Type", "application/json")
            .header("Accept", "text/plain")
            .jsonBody(body)
            .build());
  }

  /** Mixpanel takes up to 2000 profile updates per engage request (its documented limit). */
  @Override
  public int maxBatchSize() {
    return MAX_BATCH;
  }

  /** One engage request whose body is the updates of every single request, in order. */
  @Override
  public DestinationRequest batch(List<DestinationRequest> singles) {
    ArrayNode updates = Json.MAPPER.createArrayNode();
    for (DestinationRequest single : singles) updates.addAll((ArrayNode) single.jsonBody());
    DestinationRequest first = singles.get(0);
    DestinationRequest.Builder batch = DestinationRequest.builder(first.method(), first.url());
    first.headers().forEach(batch::header);
    return batch.jsonBody(updates).build();
  }

  /**
   * Engage answers {@code 200} even when it rejects the updates; with {@code verbose=1} the body
   * says so: {@code {"status": 0, "error": "..."}} (without it, a bare {@code 0}).
   */
  @Override
  public String rejection(int status, String body) {
    String trimmed = body == null ? "" : body.strip();
    if (trimmed.equals("0")) return "Mixpanel answered 0";
    if (!trimmed.startsWith("{")) return null;
    try {
      JsonNode answer = Json.read(trimmed.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      JsonNode ok = answer.get("status");
      if (ok == null || ok.asInt(1) != 0) return null;
      JsonNode error = answer.get("error");
      return error == null || error.isNull() ? "Mixpanel answered status 0" : error.asText();
    } catch (java.io.IOException e) {
      return null; // not the verbose answer; the HTTP status stands
    }
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

  private static java.util.Optional<String> text(JsonNode object, String field) {
    JsonNode value = object.get(field);
    return value != null && value.isTextual() && !value.textValue().isBlank()
        ? java.util.Optional.of(value.textValue())
        : java.util.Optional.empty();
  }

  private static String stripSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }
}
