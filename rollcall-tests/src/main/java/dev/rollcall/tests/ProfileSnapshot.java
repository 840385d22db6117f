package dev.rollcall.tests;

import dev.rollcall.profile.ExternalId;
import dev.rollcall.profile.Profile;
import dev.rollcall.profile.ProfileStore;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Everything a store knows of the people reachable from some ids, without the store's own profile
 * ids (which depend on the order of creation): for each person, their userId, ids, traits with the
 * messageId that set each, and the messageIds of their calls. Two stores hold the same profiles
 * when their snapshots are equal.
 */
public final class ProfileSnapshot {
  private ProfileSnapshot() {}

  public static Set<String> of(ProfileStore store, Collection<ExternalId> ids) {
    Set<String> people = new TreeSet<>();
    for (ExternalId id : ids) {
      store.find(id).ifPresent(profile -> people.add(describe(store, profile)));
    }
    return people;
  }

  private static String describe(ProfileStore store, Profile profile) {
    Set<String> ids = new TreeSet<>();
    profile.ids().forEach(s -> ids.add(s.id().toString()));
    Map<String, String> traits = new TreeMap<>();
    profile
        .traits()
        .forEach(
            (name, value) -> traits.put(name, value.value() + " @" + value.stamp().messageId()));
    List<String> calls = new ArrayList<>();
    ExternalId anyId = profile.ids().get(0).id();
    String cursor = null;
    do {
      ProfileStore.EventPage page = store.events(anyId, cursor, 100);
      page.events()
          .forEach(e -> calls.add(ProfileStoreContract.json(e).get("messageId").textValue()));
      cursor = page.next();
    } while (cursor != null);
    calls.sort(null);
    return "userId=" + profile.userId() + " ids=" + ids + " traits=" + traits + " calls=" + calls;
  }
}
