package dev.rollcall.spec;

import static dev.rollcall.spec.TestMessages.identifyWithTraits;
import static dev.rollcall.spec.TestMessages.json;
import static dev.rollcall.spec.TestMessages.normalize;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ReservedTraitsTest {

  /** Normalizes {@code traits} on their own, as at path {@code traits}. */
  private static Normalized normalized(String singleQuotedTraits) {
    ObjectNode traits = json(singleQuotedTraits);
    List<Warning> warnings = new ArrayList<>();
    ReservedTraits.normalize(traits, "traits", warnings);
    return new Normalized(traits, warnings);
  }

  private record Normalized(ObjectNode traits, List<Warning> warnings) {
    List<String> warningPaths() {
      return warnings.stream().map(Warning::path).toList();
    }
  }

  private static List<String> fieldNames(JsonNode object) {
    List<String> names = new ArrayList<>();
    for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
      names.add(it.next());
    }
    return names;
  }

  // ---- spelling ---------------------------------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "{'first_name': 'Peter'}                    | {'firstName': 'Peter'}",
        "{'last_name': 'Gibbons'}                   | {'lastName': 'Gibbons'}",
        "{'created_at': '2015-02-23T22:28:55.111Z'} | {'createdAt': '2015-02-23T22:28:55.111Z'}",
        "{'address': {'postal_code': '94103'}}      | {'address': {'postalCode': '94103'}}",
        "{'company': {'employee_count': 400}}       | {'company': {'employeeCount': 400}}",
      })
  void normalize_snakeCaseTwin_becomesCamelCase(String traits, String expected) {
    Normalized result = normalized(traits);

    assertThat(result.traits()).isEqualTo(json(expected));
    assertThat(result.warnings()).isEmpty();
  }

  @Test
  void normalize_snakeCaseFirstName_becomesFirstName() {
    Outcome outcome = identifyWithTraits("{'first_name': 'Peter'}");

    assertThat(outcome.message().traits().get("firstName").textValue()).isEqualTo("Peter");
    assertThat(outcome.message().traits().has("first_name")).isFalse();
  }

  @Test
  void normalize_snakeCaseTwins_keepTheirPositionAmongTheTraits() {
    Normalized result =
        normalized(
            "{'email': 'e', 'first_name': 'Peter', 'plan': 'p', 'created_at': '2015-02-23',"
                + " 'logins': 5, 'last_name': 'Gibbons',"
                + " 'address': {'city': 'c', 'postal_code': '94103', 'state': 's'},"
                + " 'company': {'name': 'n', 'employee_count': 4, 'plan': 'p'}}");

    assertThat(fieldNames(result.traits()))
        .containsExactly(
            "email",
            "firstName",
            "plan",
            "createdAt",
            "logins",
            "lastName",
            "address",
            "company",
            "name");
    assertThat(fieldNames(result.traits().get("address")))
        .containsExactly("city", "postalCode", "state");
    assertThat(fieldNames(result.traits().get("company")))
        .containsExactly("name", "employeeCount", "plan");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "{'first_name': 'Snake', 'firstName': 'Camel'}   | firstName  | traits.first_name",
        "{'firstName': 'Camel', 'first_name': 'Snake'}   | firstName  | traits.first_name",
        "{'last_name': 'Snake', 'lastName': 'Camel'}     | lastName   | traits.last_name",
      })
  void normalize_bothSpellings_camelCaseWinsAndTwinIsDroppedWithAWarning(
      String traits, String camel, String twinPath) {
    Normalized result = normalized(traits);

    assertThat(result.traits().get(camel).textValue()).isEqualTo("Camel");
    assertThat(fieldNames(result.traits())).doesNotContain(twinPath.substring("traits.".length()));
    assertThat(result.warningPaths()).containsExactly(twinPath);
    assertThat(result.warnings().get(0).reason()).contains("camelCase wins");
  }

  @Test
  void normalize_bothSpellingsOfCreatedAt_camelCaseWins() {
    Normalized result = normalized("{'created_at': 1, 'createdAt': '2015-02-23'}");

    assertThat(result.traits()).isEqualTo(json("{'createdAt': '2015-02-23T00:00:00.000Z'}"));
    assertThat(result.warningPaths()).containsExactly("traits.created_at");
  }

  @Test
  void normalize_bothSpellingsInAddressAndCompany_camelCaseWinsWithTheTwinsPath() {
    Normalized result =
        normalized(
            "{'address': {'postal_code': '00000', 'postalCode': '94103'},"
                + " 'company': {'employeeCount': 400, 'employee_count': 1}}");

    assertThat(result.traits())
        .isEqualTo(json("{'address': {'postalCode': '94103'}, 'company': {'employeeCount': 400}}"));
    assertThat(result.warningPaths())
        .containsExactlyInAnyOrder("traits.address.postal_code", "traits.company.employee_count");
  }

  @Test
  void normalize_camelCaseNull_stillWinsOverTheTwin() {
    Normalized result = normalized("{'first_name': 'Peter', 'firstName': null}");

    assertThat(result.traits().get("firstName").isNull()).isTrue();
    assertThat(result.traits().has("first_name")).isFalse();
    assertThat(result.warningPaths()).containsExactly("traits.first_name");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "{'Plan_Type': 'premium'}",
        "{'FIRST_NAME': 'Peter'}",
        "{'First_Name': 'Peter'}",
        "{'firstname': 'Peter'}",
        "{'first-name': 'Peter'}",
        "{'CreatedAt': 'whenever'}",
        "{'created': 1374193002}",
        "{'createdat': 'x'}",
        "{'postal_code': '94103'}",
        "{'employee_count': 'many'}",
        "{'Email': 5}",
        "{'e_mail': 5}",
        "{'$created': '2015-02-23'}",
        "{'joined': '2014-01-01'}",
        "{'address_line': {'postal_code': '1'}}",
        "{'plan': {'first_name': 'x', 'created_at': 1}}",
      })
  void normalize_nonReservedTraits_areUntouchedWhateverTheirCase(String traits) {
    Normalized result = normalized(traits);

    assertThat(result.traits()).isEqualTo(json(traits));
    assertThat(result.warnings()).isEmpty();
  }

  @Test
  void normalize_unknownFieldsInsideAddressAndCompany_areUntouched() {
    String traits =
        "{'address': {'unit': '4B', 'Postal_Code': 'x', 'zip': '94103'},"
            + " 'company': {'founded': 1999, 'Employee_Count': 'y', 'created_at': 1}}";

    Normalized result = normalized(traits);

    assertThat(result.traits()).isEqualTo(json(traits));
    assertThat(result.warnings()).isEmpty();
  }

  // ---- names ------------------------------------------------------------------------------------

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        // name from first + last
        "{'firstName': 'Peter', 'lastName': 'Gibbons'}"
            + " | {'firstName': 'Peter', 'lastName': 'Gibbons', 'name': 'Peter Gibbons'}",
        "{'first_name': 'Peter', 'last_name': 'Gibbons'}"
            + " | {'firstName': 'Peter', 'lastName': 'Gibbons', 'name': 'Peter Gibbons'}",
        "{'firstName': ' Peter ', 'lastName': ' Gibbons '}"
            + " | {'firstName': ' Peter ', 'lastName': ' Gibbons ', 'name': 'Peter Gibbons'}",
        "{'firstName': 'Mary Ann', 'lastName': 'Smith'}"
            + " | {'firstName': 'Mary Ann', 'lastName': 'Smith', 'name': 'Mary Ann Smith'}",
        // first and last from name
        "{'name': 'Peter Gibbons'}"
            + " | {'name': 'Peter Gibbons', 'firstName': 'Peter', 'lastName': 'Gibbons'}",
        "{'name': 'Cher'} | {'name': 'Cher', 'firstName': 'Cher'}",
        "{'name': 'Freddie  Mercury III'}"
            + " | {'name': 'Freddie  Mercury III', 'firstName': 'Freddie', 'lastName': 'Mercury III'}",
        "{'name': '  Freddie Mercury  '}"
            + " | {'name': '  Freddie Mercury  ', 'firstName': 'Freddie', 'lastName': 'Mercury'}",
        "{'name': ' Cher '} | {'name': ' Cher ', 'firstName': 'Cher'}",
      })
  void normalize_names_areFilledInFromEachOther(String traits, String expected) {
    Normalized result = normalized(traits);

    assertThat(result.traits()).isEqualTo(json(expected));
    assertThat(result.warnings()).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "{'firstName': 'Peter'}",
        "{'lastName': 'Gibbons'}",
        "{'firstName': 'Peter', 'lastName': ''}",
        "{'firstName': '  ', 'lastName': 'Gibbons'}",
        "{'firstName': 'Peter', 'lastName': null}",
        "{'name': 'Farrokh Bulsara', 'firstName': 'Freddie', 'lastName': 'Mercury'}",
        "{'name': 'Peter Gibbons', 'firstName': 'Pete'}",
        "{'name': 'Peter Gibbons', 'lastName': 'G'}",
        "{'name': 'Peter Gibbons', 'firstName': null}",
        "{'name': '', 'firstName': 'A', 'lastName': 'B'}",
        "{'name': null, 'firstName': 'A', 'lastName': 'B'}",
        "{'name': ''}",
        "{'name': '   '}",
      })
  void normalize_names_areNotFilledInWhenEitherSideIsThere(String traits) {
    Normalized result = normalized(traits);

    assertThat(result.traits()).isEqualTo(json(traits));
    assertThat(result.warnings()).isEmpty();
  }

  @Test
  void normalize_firstAndLastNameNotStrings_nameIsNotFilledAndBothAreWarned() {
    Normalized result = normalized("{'firstName': 5, 'lastName': {'x': 1}}");

    assertThat(result.traits()).isEqualTo(json("{'firstName': 5, 'lastName': {'x': 1}}"));
    assertThat(result.warningPaths())
        .containsExactlyInAnyOrder("traits.firstName", "traits.lastName");
  }

  @Test
  void normalize_nameNotAString_firstAndLastAreNotFilled() {
    Normalized result = normalized("{'name': ['Peter', 'Gibbons']}");

    assertThat(result.traits()).isEqualTo(json("{'name': ['Peter', 'Gibbons']}"));
    assertThat(result.warningPaths()).containsExactly("traits.name");
  }

  // ---- dates ------------------------------------------------------------------------------------

  @ParameterizedTest(name = "{0}: {1} -> {2}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "createdAt  | '2015-02-23'                     | 2015-02-23T00:00:00.000Z",
        "createdAt  | '2015-02-23T22:28:55.111Z'       | 2015-02-23T22:28:55.111Z",
        "createdAt  | '2015-02-23T22:28:55'            | 2015-02-23T22:28:55.000Z",
        "createdAt  | '2015-02-23 22:28'               | 2015-02-23T22:28:00.000Z",
        "createdAt  | '2015-02-24T05:28:55.111+07:00'  | 2015-02-23T22:28:55.111Z",
        "createdAt  | 1424730535                       | 2015-02-23T22:28:55.000Z",
        "createdAt  | '1424730535'                     | 2015-02-23T22:28:55.000Z",
        "createdAt  | 1424730535111                    | 2015-02-23T22:28:55.111Z",
        "createdAt  | '1424730535111'                  | 2015-02-23T22:28:55.111Z",
        "created_at | 1424730535                       | 2015-02-23T22:28:55.000Z",
        "created_at | '2015-02-23'                     | 2015-02-23T00:00:00.000Z",
        "birthday   | '1990-05-17'                     | 1990-05-17T00:00:00.000Z",
        "birthday   | '1990-05-17T08:00:00-05:00'      | 1990-05-17T13:00:00.000Z",
        "birthday   | 642902400                        | 1990-05-17T00:00:00.000Z",
        "birthday   | '642902400000'                   | 1990-05-17T00:00:00.000Z",
        "birthday   | -86400                           | 1969-12-31T00:00:00.000Z",
      })
  void normalize_dateTrait_isWrittenAsIsoUtc(String trait, String value, String expected) {
    Normalized result = normalized("{'" + trait + "': " + value + "}");

    String camel = trait.equals("created_at") ? "createdAt" : trait;
    assertThat(result.traits().get(camel).textValue()).isEqualTo(expected);
    assertThat(result.traits().size()).isEqualTo(1);
    assertThat(result.warnings()).isEmpty();
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "createdAt | 'last tuesday'",
        "createdAt | '2015-02-30'",
        "createdAt | ''",
        "createdAt | true",
        "createdAt | {'at': 1}",
        "birthday  | 'May 17th'",
        "birthday  | '1990-05'",
        "birthday  | [1990, 5, 17]",
      })
  void normalize_unparseableDateTrait_isKeptWithAWarning(String trait, String value) {
    String traits = "{'" + trait + "': " + value + "}";

    Normalized result = normalized(traits);

    assertThat(result.traits()).isEqualTo(json(traits));
    assertThat(result.warningPaths()).containsExactly("traits." + trait);
    assertThat(result.warnings().get(0).reason()).startsWith("not a date");
  }

  // ---- types ------------------------------------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "{'email': 5}                             | traits.email               | a string",
        "{'age': '30'}                            | traits.age                 | a number",
        "{'address': '6th St, San Francisco'}     | traits.address             | an object",
        "{'company': ['Initech']}                 | traits.company             | an object",
        "{'avatar': {'url': 'x'}}                 | traits.avatar              | a string",
        "{'description': 1}                       | traits.description         | a string",
        "{'gender': false}                        | traits.gender              | a string",
        "{'id': true}                             | traits.id                  | a string or a number",
        "{'phone': 5551234}                       | traits.phone               | a string",
        "{'title': []}                            | traits.title               | a string",
        "{'username': 7}                          | traits.username            | a string",
        "{'website': 1}                           | traits.website             | a string",
        "{'name': {}}                             | traits.name                | a string",
        "{'address': {'city': 5}}                 | traits.address.city        | a string",
        "{'address': {'postalCode': 94103}}       | traits.address.postalCode  | a string",
        "{'address': {'postal_code': 94103}}      | traits.address.postalCode  | a string",
        "{'company': {'employeeCount': '400'}}    | traits.company.employeeCount | a number",
        "{'company': {'id': {}}}                  | traits.company.id          | a string or a number",
        "{'company': {'name': 1}}                 | traits.company.name        | a string",
      })
  void normalize_reservedTraitOfTheWrongType_isKeptWithAWarningNamingThePath(
      String traits, String path, String expectedKind) {
    Normalized result = normalized(traits);

    assertThat(result.traits()).isEqualTo(json(traits.replace("postal_code", "postalCode")));
    assertThat(result.warningPaths()).containsExactly(path);
    assertThat(result.warnings().get(0).reason()).startsWith("expected " + expectedKind + ", not");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "{'id': 42}",
        "{'id': 'abc'}",
        "{'age': 30}",
        "{'age': 30.5}",
        "{'company': {'id': 42, 'employeeCount': 400, 'industry': 'Software', 'plan': 'Gold'}}",
        "{'address': {'street': '6th St', 'city': 'SF', 'state': 'CA', 'country': 'USA'}}",
      })
  void normalize_reservedTraitOfTheRightType_hasNoWarning(String traits) {
    Normalized result = normalized(traits);

    assertThat(result.traits()).isEqualTo(json(traits));
    assertThat(result.warnings()).isEmpty();
  }

  @Test
  void normalize_nullReservedTraits_areKeptWithoutWarnings() {
    String traits =
        "{'email': null, 'age': null, 'address': null, 'company': null, 'createdAt': null,"
            + " 'birthday': null, 'id': null, 'name': null}";

    Normalized result = normalized(traits);

    assertThat(result.traits()).isEqualTo(json(traits));
    assertThat(result.warnings()).isEmpty();
  }

  @Test
  void normalize_nullFieldsInsideAddressAndCompany_haveNoWarnings() {
    String traits = "{'address': {'city': null}, 'company': {'employeeCount': null}}";

    Normalized result = normalized(traits);

    assertThat(result.traits()).isEqualTo(json(traits));
    assertThat(result.warnings()).isEmpty();
  }

  @Test
  void normalize_warnings_carryTheTraitsPathGiven() {
    ObjectNode traits = json("{'email': 5}");
    List<Warning> warnings = new ArrayList<>();

    ReservedTraits.normalize(traits, "context.traits", warnings);

    assertThat(warnings).extracting(Warning::path).containsExactly("context.traits.email");
  }

  @Test
  void isReserved_knowsTheCanonicalNamesOnly() {
    assertThat(ReservedTraits.isReserved("firstName")).isTrue();
    assertThat(ReservedTraits.isReserved("company")).isTrue();
    assertThat(ReservedTraits.isReserved("createdAt")).isTrue();
    assertThat(ReservedTraits.isReserved("first_name")).isFalse();
    assertThat(ReservedTraits.isReserved("plan")).isFalse();
  }

  // ---- which traits, in which calls -------------------------------------------------------------

  @Test
  void normalize_identifyTraits_areNormalizedWithWarningsInTheOutcome() {
    Outcome outcome =
        identifyWithTraits("{'first_name': 'Peter', 'last_name': 'Gibbons', 'email': 5}");

    assertThat(outcome.message().traits())
        .isEqualTo(
            json(
                "{'firstName': 'Peter', 'lastName': 'Gibbons', 'email': 5,"
                    + " 'name': 'Peter Gibbons'}"));
    assertThat(outcome.warnings()).extracting(Warning::path).containsExactly("traits.email");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "{'type': 'track', 'event': 'Signed Up', 'userId': 'u1'}",
        "{'type': 'page', 'userId': 'u1'}",
        "{'type': 'screen', 'userId': 'u1'}",
        "{'type': 'group', 'groupId': 'g1', 'userId': 'u1'}",
        "{'type': 'alias', 'previousId': 'p1', 'userId': 'u1'}",
        "{'type': 'identify', 'userId': 'u1'}",
      })
  void normalize_contextTraits_areNormalizedInEveryCall(String message) {
    ObjectNode json = json(message);
    json.putObject("context")
        .set("traits", json("{'first_name': 'Peter', 'created_at': 1424730535, 'age': 'old'}"));

    Outcome outcome = TestMessages.normalizer().normalize(json, null, null);

    assertThat(outcome.isAccepted()).as("%s", outcome.error()).isTrue();
    assertThat(outcome.message().context().traits())
        .isEqualTo(
            json("{'firstName': 'Peter', 'createdAt': '2015-02-23T22:28:55.000Z', 'age': 'old'}"));
    assertThat(outcome.warnings()).extracting(Warning::path).containsExactly("context.traits.age");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "{'type': 'track', 'event': 'Signed Up', 'userId': 'u1',"
            + " 'traits': {'first_name': 'Peter', 'created_at': 1424730535, 'email': 5}}",
        "{'type': 'group', 'groupId': 'g1', 'userId': 'u1',"
            + " 'traits': {'name': 'Initech', 'employee_count': 400, 'created_at': 1424730535,"
            + " 'address': {'postal_code': '94103'}, 'age': 'old'}}",
        "{'type': 'page', 'userId': 'u1', 'traits': {'first_name': 'Peter', 'last_name': 'G'}}",
      })
  void normalize_traitsOfOtherCalls_areNotNormalized(String message) {
    Outcome outcome = normalize(message);

    assertThat(outcome.isAccepted()).as("%s", outcome.error()).isTrue();
    assertThat(outcome.message().json().get("traits")).isEqualTo(json(message).get("traits"));
    assertThat(outcome.warnings()).isEmpty();
  }
}
