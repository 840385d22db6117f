package dev.rollcall.tests;

import dev.rollcall.profile.ExternalId;
import dev.rollcall.profile.IdKind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Generated calls of many people, as clients send them, for tests that compare two setups on the
 * same calls (and for benchmarks): each person browses anonymously, most sign up (an identify with
 * both the userId and the anonymousId joins the anonymous history to the user), some come back on a
 * second device and log in there, some are aliased, some change email, and now and then two people
 * share a computer (one anonymousId seen with two users). Calls arrive partly out of order (a tenth
 * of them late).
 *
 * <p>Every call has its own {@code messageId} and a {@code timestamp} of its own, a whole second
 * apart plus a random millisecond, and no {@code sentAt}, so that Rollcall keeps the timestamp as
 * sent: the profiles the calls give do not depend on when, or in which order, a setup received
 * them. The same seed gives the same calls.
 */
public final class Journeys {
  private static final Instant START = Instant.parse("2024-03-01T09:00:00Z");
  private static final List<String> PLANS = List.of("free", "starter", "team", "enterprise");

  private final List<String> calls;
  private final Set<ExternalId> ids;

  private Journeys(List<String> calls, Set<ExternalId> ids) {
    this.calls = List.copyOf(calls);
    this.ids = Set.copyOf(ids);
  }

  /** About {@code count} calls (a few more, to finish the last journey), from {@code seed}. */
  public static Journeys generate(long seed, int count) {
    Random random = new Random(seed);
    List<Step> steps = new ArrayList<>();
    Set<ExternalId> ids = new LinkedHashSet<>();
    List<String> anonymousIds = new ArrayList<>();
    long clock = 0; // seconds after START, one per step
    int person = 0;
    while (steps.size() < count) {
      person++;
      String anonymous = "anon-" + seed + "-" + person;
      String user = "user-" + seed + "-" + person;
      anonymousIds.add(anonymous);
      ids.add(ExternalId.of(IdKind.ANONYMOUS_ID, anonymous));
      int browsing = 1 + random.nextInt(4);
      for (int i = 0; i < browsing; i++) {
        boolean identify = random.nextInt(3) == 0;
        steps.add(
            identify
                ? new Step("identify", null, anonymous, null, traits(random, null), ++clock, random)
                : new Step("track", null, anonymous, null, null, ++clock, random));
      }
      if (random.nextInt(5) == 0) continue; // never signs up: stays anonymous
      ids.add(ExternalId.of(IdKind.USER_ID, user));
      // now and then the computer is shared: the join uses someone else's anonymousId
      String joined =
          anonymousIds.size() > 2 && random.nextInt(30) == 0
              ? anonymousIds.get(random.nextInt(anonymousIds.size() - 1))
              : anonymous;
      String email = "person" + person + "@example.com";
      ids.add(ExternalId.of(IdKind.EMAIL, email));
      steps.add(new Step("identify", user, joined, null, traits(random, email), ++clock, random));
      int later = 1 + random.nextInt(4);
      for (int i = 0; i < later; i++) {
        int kind = random.nextInt(10);
        if (kind < 4) {
          steps.add(new Step("track", user, null, null, null, ++clock, random));
        } else if (kind < 7) {
          String newEmail = random.nextInt(4) == 0 ? "new." + email : email;
          ids.add(ExternalId.of(IdKind.EMAIL, newEmail));
          steps.add(
              new Step("identify", user, null, null, traits(random, newEmail), ++clock, random));
        } else if (kind < 9) { // a second device: anonymous first, then a login
          String device = anonymous + "-d" + i;
          ids.add(ExternalId.of(IdKind.ANONYMOUS_ID, device));
          steps.add(new Step("track", null, device, null, null, ++clock, random));
          steps.add(
              new Step("identify", user, device, null, traits(random, null), ++clock, random));
        } else { // an alias of an older anonymous id
          String previous = anonymous + "-old";
          ids.add(ExternalId.of(IdKind.ANONYMOUS_ID, previous));
          steps.add(new Step("track", null, previous, null, null, ++clock, random));
          steps.add(new Step("alias", user, null, previous, null, ++clock, random));
        }
      }
    }
    // people act at the same time: interleave, then let a tenth of the calls arrive late
    List<Step> order = new ArrayList<>(steps);
    Collections.shuffle(order, random);
    order.sort((a, b) -> Long.compare(a.arrival, b.arrival));
    List<String> calls = new ArrayList<>(order.size());
    for (int i = 0; i < order.size(); i++) calls.add(order.get(i).json(seed, i));
    return new Journeys(calls, ids);
  }

  /** The calls as JSON, in the order a client sends them. */
  public List<String> calls() {
    return calls;
  }

  /** Every id the calls use, to compare what two setups know of each person. */
  public Set<ExternalId> ids() {
    return ids;
  }

  private static String traits(Random random, String email) {
    StringBuilder traits = new StringBuilder("{");
    traits.append("\"plan\":\"").append(PLANS.get(random.nextInt(PLANS.size()))).append('"');
    traits.append(",\"logins\":").append(random.nextInt(50));
    if (random.nextBoolean()) {
      traits.append(",\"first_name\":\"Name").append(random.nextInt(100)).append('"');
    }
    if (email != null) traits.append(",\"email\":\"").append(email).append('"');
    return traits.append('}').toString();
  }

  /** One call; {@code arrival} orders the calls as they reach the collector. */
  private static final class Step {
    final String type;
    final String userId;
    final String anonymousId;
    final String previousId;
    final String traits;
    final long timestampMillis;
    final long arrival;

    Step(
        String type,
        String userId,
        String anonymousId,
        String previousId,
        String traits,
        long second,
        Random random) {
      this.type = type;
      this.userId = userId;
      this.anonymousId = anonymousId;
      this.previousId = previousId;
      this.traits = traits;
      this.timestampMillis = START.toEpochMilli() + second * 1000 + random.nextInt(1000);
      // a late call arrives up to a minute after it was made
      this.arrival = second * 1000 + (random.nextInt(10) == 0 ? 1 + random.nextInt(60_000) : 0);
    }

    String json(long seed, int index) {
      StringBuilder json = new StringBuilder("{\"type\":\"").append(type).append('"');
      json.append(",\"messageId\":\"msg-").append(seed).append('-').append(index).append('"');
      if (userId != null) json.append(",\"userId\":\"").append(userId).append('"');
      if (anonymousId != null) json.append(",\"anonymousId\":\"").append(anonymousId).append('"');
      if (previousId != null) json.append(",\"previousId\":\"").append(previousId).append('"');
      if (type.equals("track")) json.append(",\"event\":\"Page Viewed\"");
      if (traits != null) json.append(",\"traits\":").append(traits);
      json.append(",\"timestamp\":\"").append(Instant.ofEpochMilli(timestampMillis)).append('"');
      return json.append('}').toString();
    }
  }
}
