package dev.rollcall.spec;

import static dev.rollcall.spec.TestMessages.reparse;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.Message;
import dev.rollcall.MessageType;
import dev.rollcall.internal.Json;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

/**
 * Properties of {@link MessageNormalizer} over generated messages: normalizing is idempotent, a
 * client's own fields survive, and no JSON object makes it throw.
 *
 * <p>Edge cases are off: for generators this deeply combined jqwik spends seconds computing them,
 * and the generators already mix in the awkward values (null, empty strings, both spellings, wrong
 * types, dates in every form) on purpose.
 */
class MessageNormalizerProperties {
  private static final JsonNodeFactory NODES = Json.MAPPER.getNodeFactory();

  /** The fields a rejection may name: the message's own, never something made up. */
  private static final Set<String> FIELDS =
      Set.of(
          "type",
          "userId",
          "anonymousId",
          "traits",
          "context",
          "integrations",
          "properties",
          "messageId",
          "timestamp",
          "originalTimestamp",
          "sentAt",
          "event",
          "groupId",
          "previousId",
          "name");

  /** The fields of the spec's messages, for generating objects that have some of them. */
  private static final List<String> KNOWN_FIELDS =
      List.of(
          "type",
          "userId",
          "anonymousId",
          "traits",
          "context",
          "integrations",
          "properties",
          "messageId",
          "timestamp",
          "originalTimestamp",
          "sentAt",
          "receivedAt",
          "event",
          "groupId",
          "previousId",
          "name",
          "channel",
          "version");

  private final MessageNormalizer normalizer = new MessageNormalizer(TestMessages.CLOCK);

  // ---- (a) normalizing twice equals normalizing once --------------------------------------------

  @Property(edgeCases = EdgeCasesMode.NONE)
  void normalizingTwice_equalsNormalizingOnce_whenTheClientSentATimestamp(
      @ForAll("messagesWithClientTimestamp") ObjectNode message, @ForAll("ips") String ip) {
    assertIdempotent(message, ip);
  }

  @Property(edgeCases = EdgeCasesMode.NONE)
  void normalizingTwice_equalsNormalizingOnce(
      @ForAll("messages") ObjectNode message, @ForAll("ips") String ip) {
    assertIdempotent(message, ip);
  }

  private void assertIdempotent(ObjectNode message, String ip) {
    Outcome once = normalizer.normalize(reparse(message), null, ip);
    assertThat(once.isAccepted()).as("%s at %s", once.error(), once.path()).isTrue();

    Outcome twice = normalizer.normalize(reparse(once.message().json()), null, ip);

    assertThat(twice.isAccepted()).as("%s at %s", twice.error(), twice.path()).isTrue();
    assertThat(twice.message().json()).isEqualTo(once.message().json());
    assertThat(twice.message().type()).isEqualTo(once.message().type());
    assertThat(twice.warnings()).isSubsetOf(once.warnings());
  }

  // ---- (b) unknown fields survive ---------------------------------------------------------------

  /** A client's own field, to be put at {@code location} (a JSON pointer to an object). */
  record Extra(String location, String key, JsonNode value) {
    String pointer() {
      return location + "/" + key.replace("~", "~0").replace("/", "~1");
    }
  }

  @Property(edgeCases = EdgeCasesMode.NONE)
  void normalize_unknownFieldsAtAnyDepth_surviveUnchanged(
      @ForAll("messages") ObjectNode base, @ForAll("extras") List<Extra> extras) {
    ObjectNode message = (ObjectNode) reparse(base);
    for (Extra extra : extras) {
      objectAt(message, extra.location()).set(extra.key(), extra.value());
    }
    JsonNode sent = reparse(message);

    Outcome outcome = normalizer.normalize(reparse(sent), null, null);

    assertThat(outcome.isAccepted()).as("%s at %s", outcome.error(), outcome.path()).isTrue();
    JsonNode normalized = reparse(outcome.message().json());
    for (Extra extra : extras) {
      assertThat(normalized.at(extra.pointer()))
          .as(extra.pointer())
          .isEqualTo(sent.at(extra.pointer()));
      assertThat(Json.writeString(normalized.at(extra.pointer())))
          .isEqualTo(Json.writeString(sent.at(extra.pointer())));
    }
  }

  /** The object at {@code pointer}, made (or made an object) on the way when it is not one. */
  private static ObjectNode objectAt(ObjectNode root, String pointer) {
    ObjectNode node = root;
    for (String segment : pointer.split("/")) {
      if (segment.isEmpty()) {
        continue;
      }
      if (!(node.get(segment) instanceof ObjectNode)) {
        node.putObject(segment);
      }
      node = (ObjectNode) node.get(segment);
    }
    return node;
  }

  // ---- (c) any JSON object: a message or a rejection, never an exception ------------------------

  @Property(edgeCases = EdgeCasesMode.NONE)
  void normalize_anyJsonObject_isAcceptedOrRejectedNeverThrows(
      @ForAll("anyObjects") ObjectNode object,
      @ForAll("impliedTypes") MessageType impliedType,
      @ForAll("ips") String ip) {
    Outcome outcome = normalizer.normalize(reparse(object), impliedType, ip);

    if (outcome.isAccepted()) {
      Message message = outcome.message();
      assertThat(outcome.error()).isNull();
      assertThat(message.type()).isNotNull();
      if (impliedType != null) {
        assertThat(message.type()).isEqualTo(impliedType);
      }
      assertThat(message.personKey()).isNotEmpty();
      assertThat(message.messageId()).isNotEmpty().hasSizeLessThanOrEqualTo(100);
      assertThat(message.receivedAt()).isEqualTo(TestMessages.NOW);
      assertThat(message.json().get("timestamp").isTextual()).isTrue();
      for (String field : List.of("traits", "context", "integrations", "properties")) {
        JsonNode value = message.json().get(field);
        assertThat(value == null || value.isObject()).as(field).isTrue();
      }
      assertThat(reparse(message.json())).isEqualTo(message.json());
    } else {
      assertThat(outcome.message()).isNull();
      assertThat(outcome.error()).isNotBlank();
      assertThat(outcome.path()).isIn(FIELDS);
    }
    assertThat(Json.write(outcome.toJson())).isNotEmpty();
    Statistics.label("outcome").collect(outcome.isAccepted() ? "accepted" : "rejected");
    Statistics.label("outcome")
        .coverage(
            checker -> {
              checker.check("accepted").percentage(p -> p >= 10);
              checker.check("rejected").percentage(p -> p >= 10);
            });
  }

  @Property(edgeCases = EdgeCasesMode.NONE)
  void normalize_anyJsonObject_acceptedMessageReadsItsOwnDates(
      @ForAll("anyObjects") ObjectNode object,
      @ForAll("impliedTypes") MessageType impliedType,
      @ForAll("ips") String ip) {
    Outcome outcome = normalizer.normalize(reparse(object), impliedType, ip);

    if (outcome.isAccepted()) {
      Message message = outcome.message();
      assertThat(message.timestamp()).isNotNull();
      assertThat(message.receivedAt()).isEqualTo(TestMessages.NOW);
      for (String field : List.of("originalTimestamp", "sentAt")) {
        if (message.json().has(field)) {
          assertThat(Dates.parse(message.json().get(field))).as(field).isNotNull();
        }
      }
    }
  }

  @Property(edgeCases = EdgeCasesMode.NONE)
  void normalize_anyJsonValueThatIsNotAnObject_isRejectedAsAWhole(
      @ForAll("nonObjects") JsonNode value, @ForAll("impliedTypes") MessageType impliedType) {
    Outcome outcome = normalizer.normalize(reparse(value), impliedType, null);

    assertThat(outcome.isAccepted()).isFalse();
    assertThat(outcome.path()).isEmpty();
    assertThat(outcome.error()).startsWith("a message must be a JSON object");
  }

  // ---- generators: messages ---------------------------------------------------------------------

  @Provide
  static Arbitrary<ObjectNode> messages() {
    return messages(false);
  }

  @Provide
  static Arbitrary<ObjectNode> messagesWithClientTimestamp() {
    return messages(true);
  }

  /** Valid messages of every type, with every optional field of the spec in any accepted form. */
  static Arbitrary<ObjectNode> messages(boolean alwaysClientTimestamp) {
    List<Arbitrary<List<Map.Entry<String, JsonNode>>>> fields = new ArrayList<>();
    fields.add(typeAndIds());
    fields.add(optional("messageId", messageIds(), 50));
    fields.add(clientDates(alwaysClientTimestamp));
    fields.add(optional("traits", traits(), 80));
    fields.add(optional("context", contexts(), 60));
    fields.add(optional("integrations", integrations(), 30));
    fields.add(optional("properties", objects(customKeys(), 1), 20));
    fields.add(optional("channel", node(Arbitraries.of("server", "browser", "mobile")), 30));
    fields.add(optional("version", Arbitraries.of(NODES.textNode("1.1"), NODES.numberNode(2)), 30));
    fields.add(entries(customKeys(), values(2), 3));
    return shuffledObject(fields).map(ObjectNode.class::cast);
  }

  private static Arbitrary<List<Map.Entry<String, JsonNode>>> typeAndIds() {
    Arbitrary<String> types =
        Arbitraries.frequencyOf(
            Tuple.of(6, Arbitraries.just("identify")),
            Tuple.of(1, Arbitraries.of("track", "page", "screen", "group", "alias")));
    Arbitrary<String> who = Arbitraries.of("userId", "anonymousId", "both");
    return Combinators.combine(types, who, ids(), ids())
        .as(
            (type, present, userId, anonymousId) -> {
              List<Map.Entry<String, JsonNode>> entries = new ArrayList<>();
              entries.add(Map.entry("type", NODES.textNode(type)));
              if (!present.equals("anonymousId") || type.equals("alias")) {
                entries.add(Map.entry("userId", userId));
              }
              if (!present.equals("userId")) {
                entries.add(Map.entry("anonymousId", anonymousId));
              }
              switch (type) {
                case "track":
                  entries.add(Map.entry("event", NODES.textNode("Signed Up")));
                  break;
                case "group":
                  entries.add(Map.entry("groupId", NODES.textNode("g1")));
                  break;
                case "alias":
                  entries.add(Map.entry("previousId", NODES.textNode("p1")));
                  break;
                default:
                  break;
              }
              return entries;
            });
  }

  /** Ids as clients send them: non-empty strings, or numbers. */
  private static Arbitrary<JsonNode> ids() {
    return cached(
        "ids",
        () -> {
          return Arbitraries.frequencyOf(
              Tuple.of(4, node(Arbitraries.strings().ofMinLength(1).ofMaxLength(24))),
              Tuple.of(1, node(Arbitraries.longs(), NODES::numberNode)),
              Tuple.of(1, node(decimals(), NODES::numberNode)));
        });
  }

  private static Arbitrary<JsonNode> messageIds() {
    return Arbitraries.frequencyOf(
        Tuple.of(
            4,
            node(
                Arbitraries.strings()
                    .alpha()
                    .numeric()
                    .withChars('-')
                    .ofMinLength(1)
                    .ofMaxLength(100))),
        Tuple.of(1, node(Arbitraries.longs(), NODES::numberNode)));
  }

  /** timestamp, originalTimestamp and sentAt, each present or not. */
  private static Arbitrary<List<Map.Entry<String, JsonNode>>> clientDates(boolean always) {
    return Combinators.combine(
            optional("timestamp", dates(), 50),
            optional("originalTimestamp", dates(), 30),
            optional("sentAt", dates(), 50),
            dates())
        .as(
            (timestamp, originalTimestamp, sentAt, fallback) -> {
              List<Map.Entry<String, JsonNode>> entries = new ArrayList<>();
              entries.addAll(timestamp);
              entries.addAll(originalTimestamp);
              entries.addAll(sentAt);
              if (always && timestamp.isEmpty() && originalTimestamp.isEmpty()) {
                entries.add(Map.entry("timestamp", fallback));
              }
              return entries;
            });
  }

  /**
   * Dates in every form the spec accepts, from 1972 to 2900: far enough apart for any clock skew,
   * near enough that a corrected timestamp stays within the years 0000-9999 (see
   * DatesTest.parse_unixTimeOutsideYears0000To9999_isNull).
   */
  static Arbitrary<JsonNode> dates() {
    return cached(
        "dates",
        () -> {
          return DatesProperties.writtenDates(DateForm.UNIX_FROM_MILLIS, DateForm.UNIX_UNTIL_MILLIS)
              .map(DatesProperties.Written::value);
        });
  }

  private static Arbitrary<JsonNode> contexts() {
    return cached(
        "contexts",
        () -> {
          List<Arbitrary<List<Map.Entry<String, JsonNode>>>> fields = new ArrayList<>();
          fields.add(
              optional(
                  "ip",
                  Arbitraries.of(NODES.textNode(""), NODES.nullNode(), NODES.textNode("8.8.8.8")),
                  40));
          fields.add(optional("traits", traits(), 50));
          fields.add(
              optional(
                  "library",
                  Arbitraries.just(
                      object(
                          List.of(
                              Map.entry("name", NODES.textNode("analytics-java")),
                              Map.entry("version", NODES.textNode("3.5.5"))))),
                  40));
          fields.add(entries(customKeys(), values(2), 2));
          return Combinators.combine(fields)
              .as(
                  lists ->
                      object(lists.stream().flatMap(List::stream).collect(Collectors.toList())));
        });
  }

  private static Arbitrary<JsonNode> integrations() {
    Arbitrary<String> keys =
        Arbitraries.oneOf(Arbitraries.of("All", "Mixpanel", "Salesforce"), customKeys());
    Arbitrary<JsonNode> settings =
        Arbitraries.frequencyOf(
            Tuple.of(3, node(Arbitraries.of(true, false), NODES::booleanNode)),
            Tuple.of(1, objects(customKeys(), 1)));
    return entries(keys, settings, 4).map(MessageNormalizerProperties::object);
  }

  // ---- generators: traits -----------------------------------------------------------------------

  /** A reserved trait: its camelCase name, its snake_case twin (or null), its values. */
  private record Reserved(String camel, String snake, Arbitrary<JsonNode> values) {}

  /**
   * Traits with a random subset of the reserved traits, each in camelCase, snake_case or both, with
   * right, wrong and null values, among non-reserved traits, in random order.
   */
  static Arbitrary<JsonNode> traits() {
    return cached(
        "traits",
        () -> {
          Arbitrary<JsonNode> strings = reservedValues(node(words()));
          List<Reserved> reserved =
              List.of(
                  new Reserved("address", null, reservedValues(address())),
                  new Reserved(
                      "age",
                      null,
                      reservedValues(
                          node(Arbitraries.integers().between(0, 120), NODES::numberNode))),
                  new Reserved("avatar", null, strings),
                  new Reserved("birthday", null, dateValues()),
                  new Reserved("company", null, reservedValues(company())),
                  new Reserved("createdAt", "created_at", dateValues()),
                  new Reserved("description", null, strings),
                  new Reserved("email", null, strings),
                  new Reserved("firstName", "first_name", reservedValues(names())),
                  new Reserved("gender", null, strings),
                  new Reserved("id", null, reservedValues(ids())),
                  new Reserved("lastName", "last_name", reservedValues(names())),
                  new Reserved("name", null, reservedValues(names())),
                  new Reserved("phone", null, strings),
                  new Reserved("title", null, strings),
                  new Reserved("username", null, strings),
                  new Reserved("website", null, strings));
          return spelledObject(reserved, traitKeys(), 3);
        });
  }

  private static Arbitrary<JsonNode> address() {
    Arbitrary<JsonNode> strings = reservedValues(node(words()));
    return spelledObject(
        List.of(
            new Reserved("city", null, strings),
            new Reserved("country", null, strings),
            new Reserved("postalCode", "postal_code", strings),
            new Reserved("state", null, strings),
            new Reserved("street", null, strings)),
        Arbitraries.oneOf(Arbitraries.of("unit", "zip", "region", "Postal_Code"), customKeys()),
        2);
  }

  private static Arbitrary<JsonNode> company() {
    Arbitrary<JsonNode> strings = reservedValues(node(words()));
    return spelledObject(
        List.of(
            new Reserved("name", null, strings),
            new Reserved("id", null, reservedValues(ids())),
            new Reserved("industry", null, strings),
            new Reserved(
                "employeeCount",
                "employee_count",
                reservedValues(
                    node(Arbitraries.integers().between(1, 100_000), NODES::numberNode))),
            new Reserved("plan", null, strings)),
        Arbitraries.oneOf(
            Arbitraries.of("founded", "created_at", "Employee_Count", "createdAt"), customKeys()),
        2);
  }

  /**
   * Dates in any accepted form; sometimes a value that is no date, or null. Not numbers beyond the
   * year 9999: Rollcall writes them in a form it cannot read back (see
   * DatesTest.parse_unixTimeOutsideYears0000To9999_isNull).
   */
  private static Arbitrary<JsonNode> dateValues() {
    return Arbitraries.frequencyOf(
        Tuple.of(8, dates()),
        Tuple.of(1, values(1).filter(value -> !value.isNumber())),
        Tuple.of(1, node(Arbitraries.of("soon", "2013-09", "2015-02-30", ""))),
        Tuple.of(1, Arbitraries.just(NODES.nullNode())));
  }

  /** Mostly the right kind of value; sometimes a value of another kind, or null. */
  private static Arbitrary<JsonNode> reservedValues(Arbitrary<JsonNode> right) {
    return Arbitraries.frequencyOf(
        Tuple.of(8, right),
        Tuple.of(1, values(1)),
        Tuple.of(1, Arbitraries.just(NODES.nullNode())));
  }

  /** An object of reserved fields, each absent, camelCase, snake_case or both, among others. */
  private static Arbitrary<JsonNode> spelledObject(
      List<Reserved> reserved, Arbitrary<String> otherKeys, int maxOthers) {
    List<Arbitrary<List<Map.Entry<String, JsonNode>>>> fields = new ArrayList<>();
    for (Reserved field : reserved) {
      fields.add(spellings(field));
    }
    fields.add(entries(otherKeys, values(2), maxOthers));
    return shuffledObject(fields);
  }

  private static Arbitrary<List<Map.Entry<String, JsonNode>>> spellings(Reserved field) {
    Arbitrary<List<Map.Entry<String, JsonNode>>> absent = Arbitraries.just(List.of());
    Arbitrary<List<Map.Entry<String, JsonNode>>> camel =
        field.values().map(v -> List.of(Map.entry(field.camel(), v)));
    if (field.snake() == null) {
      return Arbitraries.frequencyOf(Tuple.of(2, absent), Tuple.of(1, camel));
    }
    Arbitrary<List<Map.Entry<String, JsonNode>>> snake =
        field.values().map(v -> List.of(Map.entry(field.snake(), v)));
    Arbitrary<List<Map.Entry<String, JsonNode>>> both =
        Combinators.combine(field.values(), field.values())
            .as((c, s) -> List.of(Map.entry(field.camel(), c), Map.entry(field.snake(), s)));
    return Arbitraries.frequencyOf(
        Tuple.of(3, absent), Tuple.of(2, camel), Tuple.of(2, snake), Tuple.of(1, both));
  }

  private static Arbitrary<JsonNode> names() {
    Arbitrary<String> padded =
        Combinators.combine(words(), Arbitraries.of("", " ", "  "), Arbitraries.of("", " ", "  "))
            .as((words, before, after) -> before + words + after);
    return node(
        Arbitraries.frequencyOf(
            Tuple.of(6, padded), Tuple.of(1, Arbitraries.of("", "   ", "Freddie  Mercury III"))));
  }

  /** Zero to three words of letters, separated by single spaces. */
  private static Arbitrary<String> words() {
    return Arbitraries.strings()
        .alpha()
        .ofMinLength(1)
        .ofMaxLength(8)
        .list()
        .ofMaxSize(3)
        .map(words -> String.join(" ", words));
  }

  // ---- generators: client's own fields ----------------------------------------------------------

  @Provide
  static Arbitrary<List<Extra>> extras() {
    Arbitrary<Extra> extra =
        Arbitraries.oneOf(
            extra("", customKeys()),
            extra("/traits", traitKeys()),
            extra("/traits/address", Arbitraries.of("unit", "zip", "Postal_Code", "geo")),
            extra("/traits/company", Arbitraries.of("founded", "created_at", "Employee_Count")),
            extra(
                "/context",
                Arbitraries.oneOf(
                    Arbitraries.of("library", "device", "os", "app", "page", "locale"),
                    customKeys())),
            extra("/context/traits", traitKeys()),
            extra("/context/custom/deep", customKeys()),
            extra("/integrations", Arbitraries.oneOf(Arbitraries.of("Amplitude"), customKeys())),
            extra("/properties", customKeys()));
    return extra.list().ofMinSize(1).ofMaxSize(6);
  }

  private static Arbitrary<Extra> extra(String location, Arbitrary<String> keys) {
    return Combinators.combine(keys, values(3)).as((key, value) -> new Extra(location, key, value));
  }

  /** Trait names that are not reserved, some of them very like reserved ones. */
  private static Arbitrary<String> traitKeys() {
    return Arbitraries.oneOf(
        customKeys(),
        Arbitraries.of(
            "plan",
            "logins",
            "Plan_Type",
            "FIRST_NAME",
            "First_Name",
            "firstname",
            "first name",
            "first-name",
            "LastName",
            "created",
            "createdat",
            "Created_At",
            "postal_code",
            "employee_count",
            "Email",
            "e_mail",
            "$created",
            "joined"));
  }

  /**
   * Names no spec field has, a fixed set of awkward ones. Not random strings: Jackson interns every
   * field name it reads, and thousands of new names make each parse copy its symbol table.
   */
  private static Arbitrary<String> customKeys() {
    return Arbitraries.of(
        "",
        " ",
        "x",
        "xs",
        "xPlan",
        "x_plan",
        "X_PLAN",
        "x-plan",
        "x plan",
        "x.dotted",
        "x/slashed",
        "x~tilde",
        "x\"quoted\"",
        "x\\backslash",
        "x\u0000nul",
        "xÜñïçødé",
        "x\uD83D\uDE80",
        "x日本語",
        "xLongName".repeat(12),
        "x1",
        "x2",
        "x3",
        "xnested",
        "xvalue",
        "xlist");
  }

  // ---- generators: any JSON ---------------------------------------------------------------------

  @Provide
  static Arbitrary<ObjectNode> anyObjects() {
    Arbitrary<List<Map.Entry<String, JsonNode>>> head =
        Combinators.combine(
                optional("type", anyValueFor("type"), 85),
                optional("userId", anyValueFor("userId"), 75))
            .as(
                (type, userId) -> {
                  List<Map.Entry<String, JsonNode>> entries = new ArrayList<>(type);
                  entries.addAll(userId);
                  return entries;
                });
    List<Arbitrary<List<Map.Entry<String, JsonNode>>>> fields = new ArrayList<>();
    for (String known : KNOWN_FIELDS) {
      fields.add(optional(known, anyValueFor(known), 20));
    }
    fields.add(entries(customKeys(), values(2), 3));
    Arbitrary<List<Map.Entry<String, JsonNode>>> rest =
        Combinators.combine(fields)
            .as(lists -> lists.stream().flatMap(List::stream).collect(Collectors.toList()));
    return Combinators.combine(head, rest)
        .as(
            (first, second) -> {
              List<Map.Entry<String, JsonNode>> entries = new ArrayList<>(first);
              entries.addAll(second);
              return object(entries);
            });
  }

  /** Values for a field, biased towards what the field expects but often anything at all. */
  private static Arbitrary<JsonNode> anyValueFor(String field) {
    return cached(
        "anyValueFor " + field,
        () -> {
          switch (field) {
            case "type":
              return Arbitraries.frequencyOf(
                  Tuple.of(
                      6,
                      node(
                          Arbitraries.of("identify", "track", "page", "screen", "group", "alias"))),
                  Tuple.of(1, node(Arbitraries.of("Identify", "", "login"))),
                  Tuple.of(1, leaves()));
            case "userId":
            case "anonymousId":
            case "groupId":
            case "previousId":
            case "messageId":
              return Arbitraries.frequencyOf(
                  Tuple.of(5, ids()), Tuple.of(1, leaves()), Tuple.of(1, values(1)));
            case "traits":
              return Arbitraries.frequencyOf(Tuple.of(4, traits()), Tuple.of(1, values(2)));
            case "context":
              return Arbitraries.frequencyOf(Tuple.of(4, contexts()), Tuple.of(1, values(2)));
            case "integrations":
            case "properties":
              return Arbitraries.frequencyOf(
                  Tuple.of(4, objects(customKeys(), 2)), Tuple.of(1, values(1)));
            case "timestamp":
            case "originalTimestamp":
            case "sentAt":
            case "receivedAt":
              return Arbitraries.frequencyOf(
                  Tuple.of(4, dates()),
                  Tuple.of(1, node(Arbitraries.of("2015-02-30", "soon", "2013-09", "1e9", ""))),
                  Tuple.of(1, values(1)));
            case "event":
            case "name":
              return Arbitraries.frequencyOf(Tuple.of(3, node(words())), Tuple.of(1, values(1)));
            default:
              return values(2);
          }
        });
  }

  @Provide
  static Arbitrary<JsonNode> nonObjects() {
    return Arbitraries.oneOf(
        leaves(), values(2).list().ofMaxSize(4).map(MessageNormalizerProperties::array));
  }

  @Provide
  static Arbitrary<MessageType> impliedTypes() {
    return Arbitraries.of(MessageType.class).injectNull(0.6);
  }

  @Provide
  static Arbitrary<String> ips() {
    return Arbitraries.of("203.0.113.7", "2001:db8::1").injectNull(0.4);
  }

  /** Any JSON value, nested at most {@code depth} levels. */
  static Arbitrary<JsonNode> values(int depth) {
    return cached(
        "values" + depth,
        () -> {
          if (depth == 0) {
            return leaves();
          }
          return Arbitraries.frequencyOf(
              Tuple.of(5, leaves()),
              Tuple.of(1, objects(customKeys(), depth - 1)),
              Tuple.of(
                  1,
                  values(depth - 1).list().ofMaxSize(4).map(MessageNormalizerProperties::array)));
        });
  }

  private static Arbitrary<JsonNode> objects(Arbitrary<String> keys, int depth) {
    return entries(keys, values(depth), 4).map(MessageNormalizerProperties::object);
  }

  /** Strings (some of them dates), integers of any size, decimals, booleans and null. */
  static Arbitrary<JsonNode> leaves() {
    return cached(
        "leaves",
        () -> {
          return Arbitraries.frequencyOf(
              Tuple.of(3, node(Arbitraries.strings().ofMaxLength(12))),
              Tuple.of(1, dates()),
              Tuple.of(2, node(Arbitraries.longs(), NODES::numberNode)),
              Tuple.of(2, node(decimals(), NODES::numberNode)),
              Tuple.of(
                  1,
                  node(
                      Arbitraries.bigIntegers()
                          .between(BigInteger.TEN.pow(19).negate(), BigInteger.TEN.pow(30)),
                      NODES::numberNode)),
              Tuple.of(1, node(Arbitraries.of(true, false), NODES::booleanNode)),
              Tuple.of(1, Arbitraries.just(NODES.nullNode())));
        });
  }

  /** Decimals with up to 12 fraction digits, trailing zeros included (1.10, 42.000). */
  private static Arbitrary<BigDecimal> decimals() {
    return Combinators.combine(
            Arbitraries.longs().between(-1_000_000_000_000L, 1_000_000_000_000L),
            Arbitraries.integers().between(1, 12))
        .as(BigDecimal::valueOf);
  }

  // ---- helpers ----------------------------------------------------------------------------------

  /** Arbitraries are immutable: build each generator once, not once per try. */
  private static final Map<String, Arbitrary<?>> CACHE = new ConcurrentHashMap<>();

  @SuppressWarnings("unchecked")
  private static <T> Arbitrary<T> cached(String key, Supplier<Arbitrary<T>> make) {
    Arbitrary<T> arbitrary = (Arbitrary<T>) CACHE.get(key);
    if (arbitrary == null) {
      arbitrary = make.get(); // not computeIfAbsent: generators are built from other generators
      CACHE.put(key, arbitrary);
    }
    return arbitrary;
  }

  /**
   * The fields in a random order. Shuffled with a generated seed rather than with flatMap, which
   * would make jqwik build (and hash) a new generator for every object.
   */
  private static Arbitrary<JsonNode> shuffledObject(
      List<Arbitrary<List<Map.Entry<String, JsonNode>>>> fields) {
    Arbitrary<List<Map.Entry<String, JsonNode>>> entries =
        Combinators.combine(fields)
            .as(lists -> lists.stream().flatMap(List::stream).collect(Collectors.toList()));
    return Combinators.combine(entries, Arbitraries.longs())
        .as(
            (list, seed) -> {
              List<Map.Entry<String, JsonNode>> shuffled = new ArrayList<>(list);
              Collections.shuffle(shuffled, new Random(seed));
              return object(shuffled);
            });
  }

  private static Arbitrary<List<Map.Entry<String, JsonNode>>> optional(
      String key, Arbitrary<? extends JsonNode> values, int percentPresent) {
    return Arbitraries.frequencyOf(
        Tuple.of(percentPresent, values.map(v -> List.of(Map.entry(key, (JsonNode) v)))),
        Tuple.of(100 - percentPresent, Arbitraries.just(List.of())));
  }

  private static Arbitrary<List<Map.Entry<String, JsonNode>>> entries(
      Arbitrary<String> keys, Arbitrary<JsonNode> values, int maxSize) {
    return Combinators.combine(keys, values)
        .as((key, value) -> Map.entry(key, value))
        .list()
        .ofMaxSize(maxSize);
  }

  private static Arbitrary<JsonNode> node(Arbitrary<String> strings) {
    return node(strings, NODES::textNode);
  }

  private static <T> Arbitrary<JsonNode> node(
      Arbitrary<T> values, Function<T, ? extends JsonNode> toNode) {
    return values.map(toNode::apply);
  }

  private static ObjectNode object(List<Map.Entry<String, JsonNode>> entries) {
    ObjectNode object = NODES.objectNode();
    for (Map.Entry<String, JsonNode> entry : entries) {
      object.set(entry.getKey(), entry.getValue().deepCopy());
    }
    return object;
  }

  private static ArrayNode array(List<JsonNode> values) {
    ArrayNode array = NODES.arrayNode();
    for (JsonNode value : values) {
      array.add(value.deepCopy());
    }
    return array;
  }
}
