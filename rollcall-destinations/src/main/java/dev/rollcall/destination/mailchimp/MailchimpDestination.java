package dev.rollcall.destination.mailchimp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.Message;
import dev.rollcall.destination.Destination;
import dev.rollcall.destination.DestinationRequest;
import dev.rollcall.destination.DestinationSettings;
import dev.rollcall.destination.Plan;
import dev.rollcall.internal.Json;
import dev.rollcall.spec.Dates;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Mailchimp: an identify becomes an audience (list) member upsert, Mailchimp Marketing API 3.0 "Add
 * or update list member".
 *
 * <pre>
 * PUT {baseUrl}/3.0/lists/{listId}/members/{md5 hex of the lower-cased email}
 * Authorization: Basic base64("rollcall:" + apiKey)     (Mailchimp takes any user name)
 * Content-Type: application/json
 * {"email_address": "...", "status_if_new": "subscribed", "merge_fields": {...}}
 * </pre>
 *
 * <p>The member is keyed by the MD5 of the lower-cased, trimmed email (Mailchimp's subscriber
 * hash), so {@code Peter@Initech.com} and {@code peter@initech.com} are the same member. A call
 * without a {@code traits.email} string is not sent: the plan is skipped with the reason "Mailchimp
 * needs an email; the call has none". Only {@code status_if_new} is sent, never {@code status}: a
 * new member gets the configured status, and an existing member keeps theirs, so an identify never
 * re-subscribes someone who unsubscribed (Segment's own behaviour).
 *
 * <h2>Settings</h2>
 *
 * <table>
 *   <caption>Settings</caption>
 *   <tr><th>setting</th><th>required</th><th>meaning</th></tr>
 *   <tr><td>{@code apiKey}</td><td>yes</td><td>API key, such as {@code 0123abcd-us6}; the part
 *       after the last {@code -} is the data center</td></tr>
 *   <tr><td>{@code listId}</td><td>yes</td><td>the audience id; a call may override it with
 *       {@code integrations.Mailchimp.listId}, as with Segment</td></tr>
 *   <tr><td>{@code statusIfNew}</td><td>no</td><td>{@code subscribed} (default),
 *       {@code unsubscribed}, {@code cleaned}, {@code pending} (double opt-in) or
 *       {@code transactional}; any other value is an {@link IllegalArgumentException}</td></tr>
 *   <tr><td>{@code baseUrl}</td><td>no</td><td>default {@code https://{dc}.api.mailchimp.com}
 *       with the API key's data center; in a preview without an API key,
 *       {@code https://<dc>.api.mailchimp.com}</td></tr>
 * </table>
 *
 * <h2>Mapping ({@code merge_fields})</h2>
 *
 * <table>
 *   <caption>Traits to merge fields</caption>
 *   <tr><th>trait</th><th>merge field</th></tr>
 *   <tr><td>{@code email}</td><td>{@code email_address} (trimmed, case kept) and the path's
 *       subscriber hash</td></tr>
 *   <tr><td>{@code firstName}</td><td>{@code FNAME}</td></tr>
 *   <tr><td>{@code lastName}</td><td>{@code LNAME}</td></tr>
 *   <tr><td>{@code phone}</td><td>{@code PHONE}</td></tr>
 *   <tr><td>{@code birthday}</td><td>{@code BIRTHDAY} as {@code MM/DD} of the UTC date (the
 *       format of Mailchimp's birthday merge field)</td></tr>
 *   <tr><td>{@code address.street}, {@code .city}, {@code .state}, {@code .postalCode},
 *       {@code .country}</td><td>{@code ADDRESS} {@code {"addr1", "city", "state", "zip",
 *       "country"}}; sent only when street, city, state and postal code are all non-blank
 *       strings, because Mailchimp rejects an address merge field without them</td></tr>
 *   <tr><td>{@code createdAt}</td><td>{@code CREATEDAT} as {@code YYYY-MM-DD} (UTC), the form
 *       Mailchimp's date merge fields take</td></tr>
 *   <tr><td>any other trait with a string, number or boolean value</td><td>Segment's merge tag
 *       rule: letters and digits only, upper-cased, first 10 characters ({@code plan_type} →
 *       {@code PLANTYPE}, {@code name} → {@code NAME}); booleans as {@code "true"}/{@code
 *       "false"}; objects and arrays are not sent; a tag already set above is not
 *       overwritten</td></tr>
 * </table>
 *
 * A trait that is {@code null} (removed from the profile) is sent as {@code ""}, which clears the
 * merge field; a birthday or creation date that cannot be read as a date is left out. {@code
 * merge_fields} is left out when empty. {@code userId} and {@code anonymousId} are not mapped:
 * Mailchimp knows members by email only.
 *
 * <p>Pure and stateless: safe for concurrent use.
 */
public final class MailchimpDestination implements Destination {
  /** Mailchimp's member statuses, as its API spells them. */
  public static final Set<String> STATUSES =
      Set.of("subscribed", "unsubscribed", "cleaned", "pending", "transactional");

  static final String SKIP_REASON = "Mailchimp needs an email; the call has none";

  /** Traits the mapping table consumes; the free-form pass leaves them alone. */
  private static final Set<String> MAPPED =
      Set.of("email", "firstName", "lastName", "phone", "birthday", "address", "createdAt");

  private static final int TAG_LENGTH = 10;
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  @Override
  public String name() {
    return "Mailchimp";
  }

  @Override
  public Plan plan(Message identify, DestinationSettings settings) {
    String apiKey = settings.required("apiKey");
    String listId = listId(settings);
    String status = settings.optional("statusIfNew", "subscribed");
    if (!STATUSES.contains(status)) {
      throw new IllegalArgumentException(
          "the Mailchimp setting statusIfNew is \""
              + status
              + "\"; it must be one of subscribed, unsubscribed, cleaned, pending, transactional");
    }
    String baseUrl = baseUrl(settings, apiKey);

    ObjectNode traits = identify.traits();
    JsonNode emailNode = traits.get("email");
    String email = emailNode != null && emailNode.isTextual() ? emailNode.textValue().trim() : "";
    if (email.isEmpty()) return Plan.skip(SKIP_REASON);

    ObjectNode body = Json.object();
    body.put("email_address", email);
    body.put("status_if_new", status);
    ObjectNode mergeFields = mergeFields(traits);
    if (mergeFields.size() > 0) body.set("merge_fields", mergeFields);

    String url = baseUrl + "/3.0/lists/" + listId + "/members/" + subscriberHash(email);
    String credentials = "rollcall:" + apiKey;
    return Plan.send(
        DestinationRequest.builder("PUT", url)
            .header(
                "Authorization",
                "Basic "
                    + Base64.getEncoder()
                        .encodeToString(credentials.getBytes(StandardCharsets.UTF_8)))
            .jsonBody(body)
            .build());
  }

  private static String listId(DestinationSettings settings) {
    JsonNode override = settings.options().get("listId");
    if (override != null && override.isTextual() && !override.textValue().isBlank()) {
      return override.textValue();
    }
    return settings.required("listId");
  }

  private static String baseUrl(DestinationSettings settings, String apiKey) {
    String configured = settings.optional("baseUrl", null);
    if (configured != null) return stripSlash(configured);
    int dash = apiKey.lastIndexOf('-');
    if (dash < 0 || dash == apiKey.length() - 1) {
      if (settings.isPreview()) return "https://<dc>.api.mailchimp.com";
      throw new IllegalArgumentException(
          "the Mailchimp apiKey has no data center suffix (such as -us6) and no baseUrl is set");
    }
    return "https://" + apiKey.substring(dash + 1) + ".api.mailchimp.com";
  }

  private static String stripSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  /** Mailchimp's subscriber hash: MD5 of the lower-cased email, as lower-case hex. */
  /** MessageDigest.getInstance looks the provider up on each call (µs); one digest per thread. */
  private static final ThreadLocal<MessageDigest> MD5 =
      ThreadLocal.withInitial(
          () -> {
            try {
              return MessageDigest.getInstance("MD5");
            } catch (NoSuchAlgorithmException e) {
              throw new AssertionError("every JDK has MD5", e);
            }
          });

  static String subscriberHash(String email) {
    // digest() resets the digest, so the thread's next use starts clean
    byte[] digest =
        MD5.get().digest(email.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8));
    char[] hex = new char[digest.length * 2];
    for (int i = 0; i < digest.length; i++) {
      hex[2 * i] = HEX[(digest[i] >> 4) & 0xf];
      hex[2 * i + 1] = HEX[digest[i] & 0xf];
    }
    return new String(hex);
  }

  private static ObjectNode mergeFields(ObjectNode traits) {
    ObjectNode fields = Json.object();
    putText(fields, "FNAME", traits.get("firstName"));
    putText(fields, "LNAME", traits.get("lastName"));
    putText(fields, "PHONE", traits.get("phone"));
    putDate(fields, "BIRTHDAY", traits.get("birthday"), true);
    JsonNode address = traits.get("address");
    if (address != null && address.isObject()) {
      ObjectNode mapped = address(address);
      if (mapped != null) fields.set("ADDRESS", mapped);
    }
    putDate(fields, "CREATEDAT", traits.get("createdAt"), false);

    Iterator<Map.Entry<String, JsonNode>> all = traits.fields();
    while (all.hasNext()) {
      Map.Entry<String, JsonNode> trait = all.next();
      if (MAPPED.contains(trait.getKey())) continue;
      String tag = tag(trait.getKey());
      if (tag.isEmpty() || fields.has(tag)) continue;
      JsonNode value = trait.getValue();
      if (value.isNull()) {
        fields.put(tag, "");
      } else if (value.isTextual() || value.isNumber()) {
        fields.set(tag, value);
      } else if (value.isBoolean()) {
        fields.put(tag, value.booleanValue() ? "true" : "false");
      }
    }
    return fields;
  }

  /** Segment's merge tag for a trait name: letters and digits, upper-cased, at most 10. */
  static String tag(String trait) {
    StringBuilder tag = new StringBuilder(TAG_LENGTH);
    for (int i = 0; i < trait.length() && tag.length() < TAG_LENGTH; i++) {
      char c = trait.charAt(i);
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
        tag.append(Character.toUpperCase(c));
      }
    }
    return tag.toString();
  }

  private static void putText(ObjectNode fields, String tag, JsonNode value) {
    if (value == null) return;
    if (value.isNull()) {
      fields.put(tag, "");
    } else if (value.isTextual() || value.isNumber()) {
      fields.put(tag, value.asText());
    }
  }

  /** {@code MM/DD} for a birthday, {@code YYYY-MM-DD} otherwise; dates are read in UTC. */
  private static void putDate(ObjectNode fields, String tag, JsonNode value, boolean monthDay) {
    if (value == null) return;
    if (value.isNull()) {
      fields.put(tag, "");
      return;
    }
    Instant instant = Dates.parse(value);
    if (instant == null) return;
    LocalDate date = LocalDate.ofInstant(instant, ZoneOffset.UTC);
    fields.put(
        tag,
        monthDay
            ? twoDigits(date.getMonthValue()) + "/" + twoDigits(date.getDayOfMonth())
            : date.toString());
  }

  private static String twoDigits(int value) {
    return value < 10 ? "0" + value : Integer.toString(value);
  }

  private static ObjectNode address(JsonNode address) {
    String street = text(address, "street");
    String city = text(address, "city");
    String state = text(address, "state");
    String zip = text(address, "postalCode");
    if (street == null || city == null || state == null || zip == null) return null;
    ObjectNode mapped = Json.object();
    mapped.put("addr1", street);
    mapped.put("city", city);
    mapped.put("state", state);
    mapped.put("zip", zip);
    String country = text(address, "country");
    if (country != null) mapped.put("country", country);
    return mapped;
  }

  private static String text(JsonNode object, String field) {
    JsonNode value = object.get(field);
    return value != null && value.isTextual() && !value.textValue().isBlank()
        ? value.textValue()
        : null;
  }
}
