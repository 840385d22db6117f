package dev.rollcall.destination.hubspot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.Message;
import dev.rollcall.destination.Destination;
import dev.rollcall.destination.DestinationRequest;
import dev.rollcall.destination.DestinationSettings;
import dev.rollcall.destination.Plan;
import dev.rollcall.internal.Json;
import dev.rollcall.spec.Dates;
import java.time.Instant;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * HubSpot: an identify becomes a contact upsert by email, HubSpot CRM API v3 "Create or update a
 * batch of contacts by unique property values" (a batch of one).
 *
 * <pre>
 * POST {baseUrl}/crm/v3/objects/contacts/batch/upsert
 * Authorization: Bearer {accessToken}                   (a private app's access token)
 * Content-Type: application/json
 * {"inputs": [{"id": "{email}", "idProperty": "email", "properties": {...}}]}
 * </pre>
 *
 * <p>A call without a {@code traits.email} string is not sent: the plan is skipped with the reason
 * "HubSpot upserts contacts by email; the call has none".
 *
 * <h2>Settings</h2>
 *
 * <table>
 *   <caption>Settings</caption>
 *   <tr><th>setting</th><th>required</th><th>meaning</th></tr>
 *   <tr><td>{@code accessToken}</td><td>yes</td><td>a private app access token with the
 *       {@code crm.objects.contacts.write} scope</td></tr>
 *   <tr><td>{@code customProperties}</td><td>no</td><td>{@code false} (default) sends only the
 *       mapped properties below; {@code true} also sends the other traits (see below)</td></tr>
 *   <tr><td>{@code baseUrl}</td><td>no</td><td>default {@code https://api.hubapi.com}</td></tr>
 * </table>
 *
 * <h2>Mapping ({@code properties}, HubSpot's internal names)</h2>
 *
 * <table>
 *   <caption>Traits to contact properties</caption>
 *   <tr><th>trait</th><th>property</th></tr>
 *   <tr><td>{@code email}</td><td>{@code email}, and the input's {@code id}</td></tr>
 *   <tr><td>{@code firstName}</td><td>{@code firstname}</td></tr>
 *   <tr><td>{@code lastName}</td><td>{@code lastname}</td></tr>
 *   <tr><td>{@code phone}</td><td>{@code phone}</td></tr>
 *   <tr><td>{@code company.name} (or {@code company} when it is a string)</td>
 *       <td>{@code company}</td></tr>
 *   <tr><td>{@code website}</td><td>{@code website}</td></tr>
 *   <tr><td>{@code title}</td><td>{@code jobtitle}</td></tr>
 *   <tr><td>{@code address.street}</td><td>{@code address}</td></tr>
 *   <tr><td>{@code address.city}</td><td>{@code city}</td></tr>
 *   <tr><td>{@code address.state}</td><td>{@code state}</td></tr>
 *   <tr><td>{@code address.postalCode}</td><td>{@code zip}</td></tr>
 *   <tr><td>{@code address.country}</td><td>{@code country}</td></tr>
 * </table>
 *
 * A mapped trait that is {@code null} is sent as {@code ""}, which clears the property in HubSpot.
 *
 * <p><b>Why only mapped traits by default.</b> HubSpot rejects the whole request when one property
 * does not exist in the portal ("Read-only and non-existent properties will result in an error"),
 * so sending every trait would make one unexpected trait fail every call. With {@code
 * customProperties=true}, every other trait with a string, number, boolean or null value is sent
 * too, named as HubSpot's internal names are and as Segment's classic integration does:
 * lower-cased, whitespace and {@code .} turned to {@code _} ({@code Plan Type} → {@code
 * plan_type}); the properties must exist in HubSpot. {@code name} is never sent (HubSpot contacts
 * have {@code firstname} and {@code lastname}), nor objects and arrays. A property already set by
 * the mapping is not overwritten. The reserved dates are sent as HubSpot wants them, in epoch
 * milliseconds: {@code birthday} → {@code birthday} as UTC midnight of its date (a HubSpot
 * <i>date</i> property only takes midnight UTC), {@code createdAt} → {@code createdat} as its exact
 * instant (a <i>datetime</i> property); so the ISO, Unix-seconds and Unix-milliseconds forms of a
 * date all give the same value. HubSpot's own {@code createdate} is left to HubSpot.
 *
 * <p>Pure and stateless: safe for concurrent use.
 */
public final class HubSpotDestination implements Destination {
  static final String SKIP_REASON = "HubSpot upserts contacts by email; the call has none";

  /** Traits the mapping table consumes, plus {@code name}, which HubSpot contacts do not have. */
  private static final Set<String> MAPPED =
      Set.of(
          "email",
          "firstName",
          "lastName",
          "phone",
          "company",
          "website",
          "title",
          "address",
          "name",
          "birthday",
          "createdAt");

  private static final long MILLIS_PER_DAY = 86_400_000L;

  @Override
  public String name() {
    return "HubSpot";
  }

  @Override
  public Plan plan(Message identify, DestinationSettings settings) {
    String accessToken = settings.required("accessToken");
    String baseUrl = settings.optional("baseUrl", "https://api.hubapi.com");
    if (baseUrl.endsWith("/")) baseUrl = baseUrl.substring(0, baseUrl.length() - 1);
    boolean custom = flag(settings.optional("customProperties", "false"));

    ObjectNode traits = identify.traits();
    JsonNode emailNode = traits.get("email");
    String email = emailNode != null && emailNode.isTextual() ? emailNode.textValue().trim() : "";
    if (email.isEmpty()) return Plan.skip(SKIP_REASON);

    ObjectNode properties = Json.object();
    properties.put("email", email);
    put(properties, "firstname", traits.get("firstName"));
    put(properties, "lastname", traits.get("lastName"));
    put(properties, "phone", traits.get("phone"));
    JsonNode company = traits.get("company");
    put(
        properties,
        "company",
        company != null && company.isObject() ? company.get("name") : company);
    put(properties, "website", traits.get("website"));
    put(properties, "jobtitle", traits.get("title"));
    JsonNode address = traits.get("address");
    if (address != null && address.isObject()) {
      put(properties, "address", address.get("street"));
      put(properties, "city", address.get("city"));
      put(properties, "state", address.get("state"));
      put(properties, "zip", address.get("postalCode"));
      put(properties, "country", address.get("country"));
    }
    if (custom) custom(traits, properties);

    ObjectNode body = Json.object();
    ObjectNode input = body.putArray("inputs").addObject();
    input.put("id", email);
    input.put("idProperty", "email");
    input.set("properties", properties);
    return Plan.send(
        DestinationRequest.builder("POST", baseUrl + "/crm/v3/objects/contacts/batch/upsert")
            .header("Authorization", "Bearer " + accessToken)
            .jsonBody(body)
            .build());
  }

  private static boolean flag(String value) {
    if (value.equalsIgnoreCase("true")) return true;
    if (value.equalsIgnoreCase("false")) return false;
    throw new IllegalArgumentException(
        "the HubSpot setting customProperties is \"" + value + "\"; it must be true or false");
  }

  /** A scalar as it is, null as {@code ""} (clears the property); objects and arrays not at all. */
  private static void put(ObjectNode properties, String name, JsonNode value) {
    if (value == null) return;
    if (value.isNull()) {
      properties.put(name, "");
    } else if (value.isValueNode()) {
      properties.set(name, value);
    }
  }

  private static void custom(ObjectNode traits, ObjectNode properties) {
    date(properties, "birthday", traits.get("birthday"), true);
    date(properties, "createdat", traits.get("createdAt"), false);
    Iterator<Map.Entry<String, JsonNode>> all = traits.fields();
    while (all.hasNext()) {
      Map.Entry<String, JsonNode> trait = all.next();
      if (MAPPED.contains(trait.getKey())) continue;
      String name = propertyName(trait.getKey());
      if (name.isEmpty() || properties.has(name)) continue;
      put(properties, name, trait.getValue());
    }
  }

  /** Epoch milliseconds: UTC midnight of the date for a date property, else the instant. */
  private static void date(ObjectNode properties, String name, JsonNode value, boolean midnight) {
    if (value == null) return;
    if (value.isNull()) {
      properties.put(name, "");
      return;
    }
    Instant instant = Dates.parse(value);
    if (instant == null) return;
    long millis = instant.toEpochMilli();
    properties.put(
        name, midnight ? Math.floorDiv(millis, MILLIS_PER_DAY) * MILLIS_PER_DAY : millis);
  }

  /** HubSpot's spelling of a custom trait: lower case, whitespace and dots as underscores. */
  static String propertyName(String trait) {
    StringBuilder name = new StringBuilder(trait.length());
    String lower = trait.trim().toLowerCase(Locale.ROOT);
    for (int i = 0; i < lower.length(); i++) {
      char c = lower.charAt(i);
      name.append(Character.isWhitespace(c) || c == '.' ? '_' : c);
    }
    return name.toString();
  }
}
