package dev.rollcall.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The reserved traits of the spec, and how a traits object is normalized.
 *
 * <ol>
 *   <li><b>Spelling.</b> Each reserved trait may be sent in camelCase or snake_case ({@code
 *       first_name}, {@code created_at}, {@code postal_code} inside {@code address}, {@code
 *       employee_count} inside {@code company}); the normalized traits carry the camelCase name.
 *       When both spellings are sent, camelCase wins and the snake_case twin is dropped, with a
 *       warning. Traits that are not reserved keep their name, whatever its case.
 *   <li><b>Names.</b> Without {@code name}, it is filled in from {@code firstName} and {@code
 *       lastName} when both are non-blank strings. Without both {@code firstName} and {@code
 *       lastName}, they are filled in from {@code name}: its first word, and the rest.
 *   <li><b>Dates.</b> {@code createdAt} and {@code birthday} in any form {@link Dates} reads are
 *       written as ISO-8601 in UTC; one that cannot be read is kept as sent, with a warning.
 *   <li><b>Types.</b> A reserved trait of another type than the spec's ({@code email} not a string,
 *       {@code age} not a number, {@code address} not an object) is kept, with a warning. A null is
 *       never wrong: it removes the trait from the profile.
 * </ol>
 *
 * Normalizing normalized traits changes nothing.
 */
public final class ReservedTraits {
  /** The kinds of value the spec gives its reserved traits. */
  enum Kind {
    STRING("a string"),
    NUMBER("a number"),
    DATE("a date"),
    OBJECT("an object"),
    ID("a string or a number");

    final String description;

    Kind(String description) {
      this.description = description;
    }

    boolean accepts(JsonNode value) {
      switch (this) {
        case STRING:
          return value.isTextual();
        case NUMBER:
          return value.isNumber();
        case OBJECT:
          return value.isObject();
        case ID:
          return value.isTextual() || value.isNumber();
        default:
          return true; // dates are checked by parsing them
      }
    }
  }

  /**
   * The reserved traits of the spec's table, plus {@code company}, with their kinds, in a fixed
   * order so that warnings come out the same way on every run.
   */
  static final Map<String, Kind> TRAITS =
      ordered(
          Map.entry("address", Kind.OBJECT),
          Map.entry("age", Kind.NUMBER),
          Map.entry("avatar", Kind.STRING),
          Map.entry("birthday", Kind.DATE),
          Map.entry("company", Kind.OBJECT),
          Map.entry("createdAt", Kind.DATE),
          Map.entry("description", Kind.STRING),
          Map.entry("email", Kind.STRING),
          Map.entry("firstName", Kind.STRING),
          Map.entry("gender", Kind.STRING),
          Map.entry("id", Kind.ID),
          Map.entry("lastName", Kind.STRING),
          Map.entry("name", Kind.STRING),
          Map.entry("phone", Kind.STRING),
          Map.entry("title", Kind.STRING),
          Map.entry("username", Kind.STRING),
          Map.entry("website", Kind.STRING));

  static final Map<String, Kind> ADDRESS =
      ordered(
          Map.entry("city", Kind.STRING),
          Map.entry("country", Kind.STRING),
          Map.entry("postalCode", Kind.STRING),
          Map.entry("state", Kind.STRING),
          Map.entry("street", Kind.STRING));

  static final Map<String, Kind> COMPANY =
      ordered(
          Map.entry("name", Kind.STRING),
          Map.entry("id", Kind.ID),
          Map.entry("industry", Kind.STRING),
          Map.entry("employeeCount", Kind.NUMBER),
          Map.entry("plan", Kind.STRING));

  /** snake_case twin, camelCase name; the other reserved names are one word in both cases. */
  private static final List<String[]> TRAIT_TWINS =
      List.of(
          new String[] {"first_name", "firstName"},
          new String[] {"last_name", "lastName"},
          new String[] {"created_at", "createdAt"});

  private static final List<String[]> ADDRESS_TWINS =
      List.<String[]>of(new String[] {"postal_code", "postalCode"});
  private static final List<String[]> COMPANY_TWINS =
      List.<String[]>of(new String[] {"employee_count", "employeeCount"});

  private ReservedTraits() {}

  @SafeVarargs
  private static Map<String, Kind> ordered(Map.Entry<String, Kind>... entries) {
    Map<String, Kind> map = new LinkedHashMap<>();
    for (Map.Entry<String, Kind> entry : entries) {
      map.put(entry.getKey(), entry.getValue());
    }
    return java.util.Collections.unmodifiableMap(map);
  }

  /** True for the canonical name of a reserved trait, such as {@code firstName}. */
  public static boolean isReserved(String name) {
    return TRAITS.containsKey(name);
  }

  /**
   * Normalizes {@code traits} in place.
   *
   * @param path where the traits are in the message, such as {@code traits}, for warnings
   */
  static void normalize(ObjectNode traits, String path, List<Warning> warnings) {
    unifySpelling(traits, TRAIT_TWINS, path, warnings);
    fillNames(traits);
    // Walk the traits the message has (usually a handful) rather than all reserved names; the
    // values of existing fields may be replaced while walking, which is not a structural change.
    Iterator<Map.Entry<String, JsonNode>> fields = traits.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      Kind kind = TRAITS.get(field.getKey());
      JsonNode value = field.getValue();
      if (kind == null || value.isNull()) {
        continue;
      }
      if (kind == Kind.DATE) {
        normalizeDate(field, path, warnings);
      } else if (!kind.accepts(value)) {
        warnings.add(wrongKind(path + "." + field.getKey(), kind, value));
      } else if (field.getKey().equals("address")) {
        normalizeObject((ObjectNode) value, ADDRESS_TWINS, ADDRESS, path + ".address", warnings);
      } else if (field.getKey().equals("company")) {
        normalizeObject((ObjectNode) value, COMPANY_TWINS, COMPANY, path + ".company", warnings);
      }
    }
  }

  private static void normalizeObject(
      ObjectNode object,
      List<String[]> twins,
      Map<String, Kind> fields,
      String path,
      List<Warning> warnings) {
    unifySpelling(object, twins, path, warnings);
    for (Map.Entry<String, Kind> field : fields.entrySet()) {
      JsonNode value = object.get(field.getKey());
      if (value != null && !value.isNull() && !field.getValue().accepts(value)) {
        warnings.add(wrongKind(path + "." + field.getKey(), field.getValue(), value));
      }
    }
  }

  private static void unifySpelling(
      ObjectNode object, List<String[]> twins, String path, List<Warning> warnings) {
    boolean anySnake = false;
    for (String[] twin : twins) {
      anySnake |= object.has(twin[0]);
    }
    if (!anySnake) {
      return; // the common case: nothing to rename, nothing to copy
    }
    // Rebuild the object so that a renamed trait keeps its place among the others.
    Map<String, JsonNode> fields = new LinkedHashMap<>();
    object.fields().forEachRemaining(field -> fields.put(field.getKey(), field.getValue()));
    object.removeAll();
    for (Map.Entry<String, JsonNode> field : fields.entrySet()) {
      String camel = camelTwin(twins, field.getKey());
      if (camel == null) {
        object.set(field.getKey(), field.getValue());
      } else if (fields.containsKey(camel)) {
        warnings.add(
            new Warning(
                path + "." + field.getKey(),
                "dropped: " + path + "." + camel + " is also set, and camelCase wins"));
      } else {
        object.set(camel, field.getValue());
      }
    }
  }

  private static String camelTwin(List<String[]> twins, String name) {
    for (String[] twin : twins) {
      if (twin[0].equals(name)) {
        return twin[1];
      }
    }
    return null;
  }

  private static void fillNames(ObjectNode traits) {
    String first = nonBlankText(traits.get("firstName"));
    String last = nonBlankText(traits.get("lastName"));
    if (!traits.has("name") && first != null && last != null) {
      traits.put("name", first.strip() + " " + last.strip());
      return;
    }
    String name = nonBlankText(traits.get("name"));
    if (name != null && !traits.has("firstName") && !traits.has("lastName")) {
      String trimmed = name.strip();
      int space = firstWhitespace(trimmed);
      if (space < 0) {
        traits.put("firstName", trimmed);
      } else {
        traits.put("firstName", trimmed.substring(0, space));
        traits.put("lastName", trimmed.substring(space).strip());
      }
    }
  }

  private static void normalizeDate(
      Map.Entry<String, JsonNode> field, String path, List<Warning> warnings) {
    Instant instant = Dates.parse(field.getValue());
    if (instant == null) {
      warnings.add(
          new Warning(
              path + "." + field.getKey(),
              "not a date (ISO-8601 or Unix time in seconds or milliseconds), kept as sent: "
                  + MessageValidator.shortly(field.getValue())));
    } else {
      field.setValue(TextNode.valueOf(Dates.format(instant)));
    }
  }

  private static Warning wrongKind(String path, Kind kind, JsonNode value) {
    return new Warning(
        path,
        "expected "
            + kind.description
            + ", not "
            + MessageValidator.kind(value)
            + "; kept as sent");
  }

  private static String nonBlankText(JsonNode value) {
    return value != null && value.isTextual() && !value.textValue().isBlank()
        ? value.textValue()
        : null;
  }

  private static int firstWhitespace(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (Character.isWhitespace(s.charAt(i))) {
        return i;
      }
    }
    return -1;
  }
}
