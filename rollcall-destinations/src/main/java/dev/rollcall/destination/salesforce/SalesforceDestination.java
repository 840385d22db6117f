package dev.rollcall.destination.salesforce;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.Message;
import dev.rollcall.destination.Destination;
import dev.rollcall.destination.DestinationRequest;
import dev.rollcall.destination.DestinationSettings;
import dev.rollcall.destination.Plan;
import dev.rollcall.internal.Json;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Salesforce: an identify becomes one Lead (default) or Contact upsert by an external ID field,
 * Salesforce REST API "sObject Rows by External ID", API version {@value #DEFAULT_API_VERSION} by
 * default.
 *
 * <pre>
 * PATCH {instanceUrl}/services/data/v{apiVersion}/sobjects/{object}/{externalIdField}/{userId}
 * Authorization: Bearer {accessToken}
 * Content-Type: application/json
 * {"FirstName": "...", "LastName": "...", "Company": "...", ...}
 * </pre>
 *
 * <p>Salesforce creates the record when no record has that external ID (201 Created), updates it
 * when exactly one has (200 OK; 204 before API 46.0), and answers 300 when several have. The user
 * id is percent-encoded as one path segment ({@code a b/c} → {@code a%20b%2Fc}). The external ID
 * field is not in the body: the path names it.
 *
 * <p><b>The org must create the external ID field</b>: a custom Text field on Lead (or Contact)
 * named {@value #DEFAULT_EXTERNAL_ID_FIELD} by default (label "Rollcall User Id", length 255, with
 * "External ID" and "Unique" ticked), readable and editable by the integration user. Without it
 * Salesforce answers 404 {@code NOT_FOUND}, a permanent error.
 *
 * <p><b>Calls that are not sent.</b> The upsert needs the external ID, so a call without a {@code
 * userId} is skipped with a reason, even when it has an email: Salesforce cannot upsert by email
 * (standard Email is not an external ID), and creating a record for every anonymous or email-only
 * identify would make a duplicate Lead each time. Segment classic matched Leads by email through a
 * search first; this adapter keeps delivery one stateless request instead.
 *
 * <h2>Settings</h2>
 *
 * <table>
 *   <caption>Settings</caption>
 *   <tr><th>setting</th><th>required</th><th>meaning</th></tr>
 *   <tr><td>{@code instanceUrl}</td><td>yes</td><td>the org's My Domain URL, such as
 *       {@code https://acme.my.salesforce.com} (a trailing {@code /} is ignored); any other base
 *       URL works, for tests and proxies</td></tr>
 *   <tr><td>{@code accessToken}</td><td>yes</td><td>an OAuth access token, sent as
 *       {@code Authorization: Bearer ...}; Rollcall does not refresh it</td></tr>
 *   <tr><td>{@code object}</td><td>no</td><td>{@code Lead} (default) or {@code Contact}, in any
 *       case; anything else is an {@link IllegalArgumentException}</td></tr>
 *   <tr><td>{@code externalIdField}</td><td>no</td><td>default {@value #DEFAULT_EXTERNAL_ID_FIELD};
 *       an API name of letters, digits and underscores starting with a letter</td></tr>
 *   <tr><td>{@code apiVersion}</td><td>no</td><td>default {@value #DEFAULT_API_VERSION};
 *       {@code 62.0} or {@code v62.0}</td></tr>
 *   <tr><td>{@code customFields}</td><td>no</td><td>{@code false} (default) or {@code true}: send
 *       the traits not mapped below as custom fields (see below)</td></tr>
 * </table>
 *
 * <h2>Mapping</h2>
 *
 * <table>
 *   <caption>Traits to fields</caption>
 *   <tr><th>trait</th><th>Lead field</th><th>Contact field</th></tr>
 *   <tr><td>{@code firstName}</td><td>{@code FirstName}</td><td>{@code FirstName}</td></tr>
 *   <tr><td>{@code lastName}</td><td>{@code LastName}, required: {@code "n/a"} when absent,
 *       null or blank</td><td>{@code LastName}, same fallback</td></tr>
 *   <tr><td>{@code company.name} (or {@code company} given as a string)</td><td>{@code Company},
 *       required: {@code "n/a"} when absent, null or blank</td><td>—</td></tr>
 *   <tr><td>{@code company.industry}</td><td>{@code Industry}</td><td>—</td></tr>
 *   <tr><td>{@code company.employeeCount}</td><td>{@code NumberOfEmployees} (a whole
 *       number)</td><td>—</td></tr>
 *   <tr><td>{@code email}</td><td>{@code Email}</td><td>{@code Email}</td></tr>
 *   <tr><td>{@code phone}</td><td>{@code Phone}</td><td>{@code Phone}</td></tr>
 *   <tr><td>{@code title}</td><td>{@code Title}</td><td>{@code Title}</td></tr>
 *   <tr><td>{@code address.street}</td><td>{@code Street}</td><td>{@code
 *       MailingStreet}</td></tr>
 *   <tr><td>{@code address.city}</td><td>{@code City}</td><td>{@code MailingCity}</td></tr>
 *   <tr><td>{@code address.state}</td><td>{@code State}</td><td>{@code MailingState}</td></tr>
 *   <tr><td>{@code address.postalCode}</td><td>{@code PostalCode}</td><td>{@code
 *       MailingPostalCode}</td></tr>
 *   <tr><td>{@code address.country}</td><td>{@code Country}</td><td>{@code
 *       MailingCountry}</td></tr>
 *   <tr><td>{@code website}</td><td>{@code Website}</td><td>—</td></tr>
 *   <tr><td>{@code description}</td><td>{@code Description}</td><td>{@code
 *       Description}</td></tr>
 *   <tr><td>{@code birthday}</td><td>—</td><td>{@code Birthdate}, the UTC date {@code
 *       YYYY-MM-DD}</td></tr>
 *   <tr><td>{@code name}</td><td colspan="2">not sent: the normalizer has already split it into
 *       {@code firstName} and {@code lastName} when those were absent</td></tr>
 * </table>
 *
 * <p>Values: strings as they are; numbers and booleans as their text (a phone sent as a number);
 * objects and arrays are not sent. A trait sent as {@code null} (removed from the profile) is sent
 * as {@code null}, which clears the field in Salesforce, except the required {@code LastName} and
 * {@code Company}, which fall back to {@code "n/a"}.
 *
 * <p><b>The {@code "n/a"} fallback</b> is Segment classic's and RudderStack's: Salesforce refuses
 * to create a Lead without {@code LastName} and {@code Company}, or a Contact without {@code
 * LastName}. Because the upsert cannot tell a create from an update, an identify without {@code
 * lastName} (or {@code company}, for Leads) also sets that field to {@code "n/a"} on an existing
 * record: send them on every identify.
 *
 * <p><b>Custom fields</b> ({@code customFields=true}): every other trait with a string, number,
 * boolean or null value becomes {@code <name>__c}: {@code plan} → {@code plan__c}, {@code
 * createdAt} → {@code createdAt__c} (an ISO-8601 UTC string, which a Salesforce Date/Time field
 * takes), {@code plan type} → {@code plan_type__c} (characters other than letters and digits become
 * one {@code _}; a name already ending in {@code __c} is kept; a name not starting with a letter is
 * not sent; Salesforce API names ignore case, so of {@code plan} and {@code Plan__c} the first one
 * wins). This covers the reserved traits without a standard field too ({@code age}, {@code gender},
 * {@code avatar}, {@code username}, {@code id}, {@code createdAt}, and {@code birthday} on Leads,
 * {@code website} on Contacts). It is off by default because Salesforce rejects the whole request
 * (400 {@code INVALID_FIELD}) when one field does not exist: the org must create each custom field
 * first. {@code createdAt} is never sent as {@code CreatedDate}, a system audit field Salesforce
 * does not let an upsert write.
 */
public final class SalesforceDestination implements Destination {
  public static final String DEFAULT_API_VERSION = "62.0";
  public static final String DEFAULT_EXTERNAL_ID_FIELD = "Rollcall_User_Id__c";

  /** What Segment and RudderStack send for a required field the call does not give. */
  public static final String FALLBACK = "n/a";

  private static final Pattern API_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]*");
  private static final Pattern API_VERSION = Pattern.compile("[0-9]+\\.[0-9]+");

  /** Traits the standard mapping reads (or leaves to firstName/lastName): never custom fields. */
  private static final Set<String> LEAD_MAPPED =
      Set.of(
          "firstName",
          "lastName",
          "name",
          "company",
          "email",
          "phone",
          "title",
          "address",
          "website",
          "description");

  private static final Set<String> CONTACT_MAPPED =
      Set.of(
          "firstName",
          "lastName",
          "name",
          "company",
          "email",
          "phone",
          "title",
          "address",
          "description",
          "birthday");

  @Override
  public String name() {
    return "Salesforce";
  }

  @Override
  public Plan plan(Message identify, DestinationSettings settings) {
    String instanceUrl = stripSlash(settings.required("instanceUrl"));
    String accessToken = settings.required("accessToken");
    boolean contact = contact(settings.optional("object", "Lead"));
    String externalIdField = settings.optional("externalIdField", DEFAULT_EXTERNAL_ID_FIELD);
    if (!API_NAME.matcher(externalIdField).matches()) {
      throw new IllegalArgumentException(
          "the Salesforce setting externalIdField must be a field's API name, such as "
              + DEFAULT_EXTERNAL_ID_FIELD
              + ", not "
              + externalIdField);
    }
    String apiVersion = settings.optional("apiVersion", DEFAULT_API_VERSION);
    if (apiVersion.startsWith("v") || apiVersion.startsWith("V")) {
      apiVersion = apiVersion.substring(1);
    }
    if (!API_VERSION.matcher(apiVersion).matches()) {
      throw new IllegalArgumentException(
          "the Salesforce setting apiVersion must look like " + DEFAULT_API_VERSION);
    }
    boolean customFields = flag(settings.optional("customFields", "false"));

    String userId = identify.userId();
    if (userId == null) {
      return Plan.skip(
          "Salesforce upserts by userId (in the external ID field "
              + externalIdField
              + "); the call has no userId");
    }

    ObjectNode traits = identify.traits();
    ObjectNode body = contact ? contactBody(traits) : leadBody(traits);
    if (customFields) {
      addCustomFields(traits, contact ? CONTACT_MAPPED : LEAD_MAPPED, body);
    }
    String object = contact ? "Contact" : "Lead";
    String url =
        instanceUrl
            + "/services/data/v"
            + apiVersion
            + "/sobjects/"
            + object
            + "/"
            + externalIdField
            + "/"
            + pathSegment(userId);
    return Plan.send(
        DestinationRequest.builder("PATCH", url)
            .header("Authorization", "Bearer " + accessToken)
            .jsonBody(body)
            .build());
  }

  private static ObjectNode leadBody(ObjectNode traits) {
    ObjectNode body = Json.object();
    put(body, "FirstName", traits.get("firstName"));
    body.put("LastName", required(traits.get("lastName")));
    JsonNode company = traits.get("company");
    body.put("Company", required(company instanceof ObjectNode ? company.get("name") : company));
    if (company instanceof ObjectNode) {
      put(body, "Industry", company.get("industry"));
      JsonNode employees = company.get("employeeCount");
      if (employees != null && employees.isNull()) {
        body.putNull("NumberOfEmployees");
      } else if (employees != null && employees.isIntegralNumber() && employees.canConvertToInt()) {
        body.put("NumberOfEmployees", employees.intValue());
      }
    }
    put(body, "Email", traits.get("email"));
    put(body, "Phone", traits.get("phone"));
    put(body, "Title", traits.get("title"));
    address(traits.get("address"), "", body);
    put(body, "Website", traits.get("website"));
    put(body, "Description", traits.get("description"));
    return body;
  }

  private static ObjectNode contactBody(ObjectNode traits) {
    ObjectNode body = Json.object();
    put(body, "FirstName", traits.get("firstName"));
    body.put("LastName", required(traits.get("lastName")));
    put(body, "Email", traits.get("email"));
    put(body, "Phone", traits.get("phone"));
    put(body, "Title", traits.get("title"));
    address(traits.get("address"), "Mailing", body);
    put(body, "Description", traits.get("description"));
    JsonNode birthday = traits.get("birthday");
    if (birthday != null) {
      if (birthday.isNull()) {
        body.putNull("Birthdate");
      } else if (birthday.isTextual() && isIsoDate(birthday.textValue())) {
        // The normalizer writes dates as ISO-8601 UTC; a Date field takes the date part.
        body.put("Birthdate", birthday.textValue().substring(0, 10));
      }
    }
    return body;
  }

  private static void address(JsonNode address, String prefix, ObjectNode body) {
    if (address == null) return;
    if (address.isNull()) {
      // The whole address was removed from the profile.
      for (String field : new String[] {"Street", "City", "State", "PostalCode", "Country"}) {
        body.putNull(prefix + field);
      }
      return;
    }
    if (!address.isObject()) return;
    put(body, prefix + "Street", address.get("street"));
    put(body, prefix + "City", address.get("city"));
    put(body, prefix + "State", address.get("state"));
    put(body, prefix + "PostalCode", address.get("postalCode"));
    put(body, prefix + "Country", address.get("country"));
  }

  private static void addCustomFields(ObjectNode traits, Set<String> mapped, ObjectNode body) {
    // Salesforce API names are case-insensitive: plan and Plan__c are one field; the first wins.
    Set<String> taken = new HashSet<>();
    body.fieldNames().forEachRemaining(name -> taken.add(name.toLowerCase(Locale.ROOT)));
    Iterator<Map.Entry<String, JsonNode>> fields = traits.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      if (mapped.contains(field.getKey())) continue;
      JsonNode value = field.getValue();
      if (!value.isValueNode()) continue;
      String name = customFieldName(field.getKey());
      if (name == null || !taken.add(name.toLowerCase(Locale.ROOT))) continue;
      body.set(name, value);
    }
  }

  /** {@code plan type} → {@code plan_type__c}, or null when no API name can be made. */
  static String customFieldName(String key) {
    String base = key.endsWith("__c") ? key.substring(0, key.length() - 3) : key;
    StringBuilder name = new StringBuilder(base.length() + 3);
    for (int i = 0; i < base.length(); i++) {
      char c = base.charAt(i);
      boolean alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      if (alnum) {
        name.append(c);
      } else if (name.length() > 0 && name.charAt(name.length() - 1) != '_') {
        name.append('_');
      }
    }
    while (name.length() > 0 && name.charAt(name.length() - 1) == '_') {
      name.setLength(name.length() - 1);
    }
    if (name.length() == 0) return null;
    char first = name.charAt(0);
    if (!((first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z'))) return null;
    return name.append("__c").toString();
  }

  /** Puts a text field: strings as they are, numbers and booleans as text, null as null. */
  private static void put(ObjectNode body, String field, JsonNode value) {
    if (value == null) return;
    if (value.isNull()) {
      body.putNull(field);
    } else if (value.isTextual()) {
      body.put(field, value.textValue());
    } else if (value.isNumber() || value.isBoolean()) {
      body.put(field, value.asText());
    }
  }

  /** A required field's value, or {@link #FALLBACK} when there is none. */
  private static String required(JsonNode value) {
    if (value != null && value.isValueNode() && !value.isNull()) {
      String text = value.asText();
      if (!text.isBlank()) return text;
    }
    return FALLBACK;
  }

  private static boolean isIsoDate(String text) {
    return text.length() >= 10
        && text.charAt(4) == '-'
        && text.charAt(7) == '-'
        && Character.isDigit(text.charAt(0))
        && Character.isDigit(text.charAt(9));
  }

  private static boolean contact(String object) {
    switch (object.toLowerCase(Locale.ROOT)) {
      case "lead":
        return false;
      case "contact":
        return true;
      default:
        throw new IllegalArgumentException(
            "the Salesforce setting object must be Lead or Contact, not " + object);
    }
  }

  private static boolean flag(String value) {
    if (value.equalsIgnoreCase("true")) return true;
    if (value.equalsIgnoreCase("false")) return false;
    throw new IllegalArgumentException(
        "the Salesforce setting customFields must be true or false, not " + value);
  }

  private static String stripSlash(String url) {
    int end = url.length();
    while (end > 0 && url.charAt(end - 1) == '/') end--;
    return url.substring(0, end);
  }

  /** Percent-encodes one path segment: a space is {@code %20}, never {@code +}. */
  static String pathSegment(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
