package dev.rollcall.destination.intercom;

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
import java.util.Map;
import java.util.Set;

/**
 * Intercom: an identify becomes one "create or update user" request of Intercom's REST API
 * <b>version 1.4</b>.
 *
 * <pre>
 * POST {baseUrl}/users
 * Authorization: Bearer {accessToken}
 * Accept: application/json
 * Intercom-Version: 1.4
 * Content-Type: application/json
 * {"user_id": ..., "email": ..., "name": ..., ..., "custom_attributes": {...}}
 * </pre>
 *
 * <h2>Why API 1.4 {@code POST /users} and not the 2.x Contacts API</h2>
 *
 * A {@link Destination} plans one call without I/O, so it cannot search for the contact first. In
 * the 2.x Contacts API the only single request is {@code POST /contacts}, which creates and answers
 * {@code 409 Conflict} for a person Intercom already knows; the delivery layer treats 409 as
 * permanent, so every identify after a person's first would be dead-lettered. {@code POST /users}
 * (still served when the request asks for {@code Intercom-Version: 1.4}) is Intercom's documented
 * upsert: it updates the user matching {@code user_id} (else {@code email}) and creates one
 * otherwise, so replays and retries are idempotent. {@code user_id} is the same identifier the 2.x
 * API calls {@code external_id}. The cost: 1.4 cannot set the avatar (it is read-only there), so
 * {@code avatar} travels as a custom attribute.
 *
 * <h2>Mapping</h2>
 *
 * <table>
 *   <caption>Normalized identify → Intercom 1.4 user</caption>
 *   <tr><th>Rollcall</th><th>Intercom</th></tr>
 *   <tr><td>{@code userId}</td><td>{@code user_id} (2.x: {@code external_id})</td></tr>
 *   <tr><td>{@code traits.email} (string)</td><td>{@code email}</td></tr>
 *   <tr><td>{@code traits.name}, else {@code firstName} or {@code lastName}</td>
 *       <td>{@code name}</td></tr>
 *   <tr><td>{@code traits.phone} (string)</td><td>{@code phone}</td></tr>
 *   <tr><td>{@code traits.createdAt}</td><td>{@code signed_up_at}, Unix seconds</td></tr>
 *   <tr><td>{@code timestamp}, unless {@code context.active} is false</td>
 *       <td>{@code last_request_at}, Unix seconds</td></tr>
 *   <tr><td>{@code traits.unsubscribedFromEmails} / {@code unsubscribed_from_emails} (boolean)</td>
 *       <td>{@code unsubscribed_from_emails}</td></tr>
 *   <tr><td>{@code traits.company} (object with {@code id} or {@code name})</td>
 *       <td>{@code companies: [{company_id: id, else name; name; plan; industry;
 *       size: employeeCount; custom_attributes: other scalars}]}</td></tr>
 *   <tr><td>{@code traits.firstName}, {@code lastName}, {@code id}</td>
 *       <td>not sent (carried by {@code name} and {@code user_id})</td></tr>
 *   <tr><td>every other trait ({@code avatar}, {@code age}, {@code address}, a {@code company}
 *       that is not an object, ...)</td>
 *       <td>{@code custom_attributes}</td></tr>
 * </table>
 *
 * <p>Custom attributes: Intercom takes only flat scalar values (string, number, boolean; null
 * clears one). Objects are flattened with {@code _} ({@code address.city} → {@code address_city});
 * arrays, and objects inside them, are skipped. Characters Intercom refuses in attribute names
 * ({@code .} and {@code $}) become {@code _}. Intercom keeps only attributes that exist in the
 * workspace or that it can create; an empty set is omitted.
 *
 * <p>Not sent, with the reason "Intercom needs a userId or an email": a call with neither.
 *
 * <p>Settings: {@code accessToken} (required), {@code baseUrl} (default {@value #DEFAULT_BASE_URL};
 * {@code https://api.eu.intercom.io} or {@code https://api.au.intercom.io} for workspaces hosted
 * there).
 */
public final class IntercomDestination implements Destination {
  public static final String NAME = "Intercom";
  public static final String API_VERSION = "1.4";
  public static final String DEFAULT_BASE_URL = "https://api.intercom.io";

  /** Traits that have their own field, or are carried by another one. */
  private static final Set<String> NOT_CUSTOM =
      Set.of(
          "email",
          "name",
          "firstName",
          "lastName",
          "phone",
          "createdAt",
          "id",
          "company",
          "unsubscribedFromEmails",
          "unsubscribed_from_emails");

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Plan plan(Message identify, DestinationSettings settings) {
    ObjectNode traits = identify.traits();
    String userId = identify.userId();
    String email = text(traits, "email");
    if (userId == null && email == null) {
      return Plan.skip("Intercom needs a userId or an email");
    }
    String token = settings.required("accessToken");
    String baseUrl = trimSlash(settings.optional("baseUrl", DEFAULT_BASE_URL));

    ObjectNode body = Json.object();
    if (userId != null) body.put("user_id", userId);
    if (email != null) body.put("email", email);
    String name = text(traits, "name");
    if (name == null) name = text(traits, "firstName");
    if (name == null) name = text(traits, "lastName");
    if (name != null) body.put("name", name);
    String phone = text(traits, "phone");
    if (phone != null) body.put("phone", phone);
    Instant createdAt = Dates.parse(traits.get("createdAt"));
    if (createdAt != null) body.put("signed_up_at", createdAt.getEpochSecond());
    Instant timestamp = identify.timestamp();
    JsonNode active = identify.context().json().get("active");
    boolean inactive = active != null && active.isBoolean() && !active.booleanValue();
    if (timestamp != null && !inactive) body.put("last_request_at", timestamp.getEpochSecond());
    JsonNode unsubscribed = traits.get("unsubscribedFromEmails");
    if (unsubscribed == null) unsubscribed = traits.get("unsubscribed_from_emails");
    if (unsubscribed != null && unsubscribed.isBoolean()) {
      body.put("unsubscribed_from_emails", unsubscribed.booleanValue());
    }

    ObjectNode custom = Json.object();
    Iterator<Map.Entry<String, JsonNode>> fields = traits.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      String key = field.getKey();
      JsonNode value = field.getValue();
      if (NOT_CUSTOM.contains(key)) {
        // A company given as a plain name ("Acme") has no company_id: keep it as an attribute.
        if (key.equals("company") && !value.isObject()) addCustom(custom, key, value);
        continue;
      }
      addCustom(custom, key, value);
    }
    if (!custom.isEmpty()) body.set("custom_attributes", custom);

    JsonNode company = traits.get("company");
    if (company instanceof ObjectNode) {
      ObjectNode mapped = company((ObjectNode) company);
      if (mapped != null) body.putArray("companies").add(mapped);
    }

    return Plan.send(
        DestinationRequest.builder("POST", baseUrl + "/users")
            .header("Authorization", "Bearer " + token)
            .header("Accept", "application/json")
            .header("Intercom-Version", API_VERSION)
            .jsonBody(body)
            .build());
  }

  /** Intercom's company for {@code traits.company}, or null without an id or a name. */
  private static ObjectNode company(ObjectNode company) {
    JsonNode id = company.get("id");
    String companyId = id != null && (id.isTextual() || id.isNumber()) ? id.asText() : null;
    String name = text(company, "name");
    if (companyId == null) companyId = name;
    if (companyId == null || companyId.isEmpty()) return null;
    ObjectNode mapped = Json.object();
    mapped.put("company_id", companyId);
    if (name != null) mapped.put("name", name);
    String plan = text(company, "plan");
    if (plan != null) mapped.put("plan", plan);
    String industry = text(company, "industry");
    if (industry != null) mapped.put("industry", industry);
    JsonNode size = company.get("employeeCount");
    if (size != null && size.isNumber()) mapped.set("size", size);
    ObjectNode custom = Json.object();
    Iterator<Map.Entry<String, JsonNode>> fields = company.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      switch (field.getKey()) {
        case "id", "name", "plan", "industry", "employeeCount" -> {}
        default -> addCustom(custom, field.getKey(), field.getValue());
      }
    }
    if (!custom.isEmpty()) mapped.set("custom_attributes", custom);
    return mapped;
  }

  /** Adds a scalar as is, flattens an object with {@code _}, and skips an array. */
  private static void addCustom(ObjectNode custom, String key, JsonNode value) {
    if (value.isArray()) return;
    String name = attributeName(key);
    if (value.isObject()) {
      Iterator<Map.Entry<String, JsonNode>> fields = value.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> field = fields.next();
        addCustom(custom, name + "_" + field.getKey(), field.getValue());
      }
      return;
    }
    custom.set(name, value);
  }

  /** The key with the characters Intercom refuses in attribute names replaced by {@code _}. */
  private static String attributeName(String key) {
    return key.indexOf('.') < 0 && key.indexOf('$') < 0
        ? key
        : key.replace('.', '_').replace('$', '_');
  }

  private static String text(ObjectNode object, String field) {
    JsonNode value = object.get(field);
    return value != null && value.isTextual() && !value.textValue().isEmpty()
        ? value.textValue()
        : null;
  }

  static String trimSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }
}
