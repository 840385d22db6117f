package dev.rollcall.server.profile;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.delivery.DeliveryQueue;
import dev.rollcall.internal.Json;
import dev.rollcall.internal.Redacted;
import dev.rollcall.profile.ExternalId;
import dev.rollcall.profile.IdKind;
import dev.rollcall.profile.ProfileStore;
import dev.rollcall.server.console.CallFeed;
import dev.rollcall.server.http.AllowedMethods;
import dev.rollcall.server.http.JsonResponses;
import dev.rollcall.server.http.LoggedPaths;
import dev.rollcall.server.http.ProfileErrors;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Profile API, shaped like Segment's: a person is addressed by an external id ({@code
 * user_id:97980cfea0067}, {@code anonymous_id:...}, {@code email:...}). Database work runs on
 * Vert.x's worker threads, never on the event loop. Routes are mounted behind the admin token.
 */
public final class ProfileApi {
  private static final Logger LOG = LoggerFactory.getLogger(ProfileApi.class);

  /** Calls per page of {@code /events} when {@code limit} is not given, and at most. */
  static final int DEFAULT_LIMIT = 20;

  static final int MAX_LIMIT = 100;

  private final ProfileStore store;
  private final ToIntFunction<List<String>> deleteFromLog;
  private final DeliveryQueue deliveries;
  private final CallFeed feed;

  /**
   * @param deleteFromLog deletes the calls of these person keys from the event log and says how
   *     many; a log that cannot delete single calls (Kafka, where retention removes them) answers 0
   * @param feed the console's feed, whose entries of a deleted person are blanked
   */
  public ProfileApi(
      ProfileStore store,
      ToIntFunction<List<String>> deleteFromLog,
      DeliveryQueue deliveries,
      CallFeed feed) {
    this.store = store;
    this.deleteFromLog = deleteFromLog;
    this.deliveries = deliveries;
    this.feed = feed;
  }

  /** Mounts the routes on a router that is itself mounted at {@code /v1/profiles}. */
  public void mount(Router router) {
    router.get("/:externalId/traits").handler(this::traits);
    router.get("/:externalId/external_ids").handler(this::externalIds);
    router.get("/:externalId/events").handler(this::events);
    router.delete("/:externalId").handler(this::delete);
    // a wrong method is answered here, in the Profile API's shape; anything else goes on to the
    // server's own last route (404)
    router
        .route()
        .last()
        .handler(
            AllowedMethods.lastRoute(
                router,
                (ctx, status, message) ->
                    ProfileErrors.send(ctx.response(), status, "method_not_allowed", message),
                RoutingContext::next));
  }

  private void traits(RoutingContext ctx) {
    ExternalId id = externalId(ctx);
    if (id == null) return;
    String includeParam = ctx.request().getParam("include");
    Set<String> include =
        includeParam == null ? null : new HashSet<>(Arrays.asList(includeParam.split(",")));
    Boolean verbose = booleanParam(ctx, "verbose");
    if (verbose == null) return;
    blocking(
        ctx, () -> store.find(id).map(profile -> ProfileJson.traits(profile, include, verbose)));
  }

  private void externalIds(RoutingContext ctx) {
    ExternalId id = externalId(ctx);
    if (id == null) return;
    blocking(ctx, () -> store.find(id).map(ProfileJson::externalIds));
  }

  private void events(RoutingContext ctx) {
    ExternalId id = externalId(ctx);
    if (id == null) return;
    int limit;
    try {
      String param = ctx.request().getParam("limit");
      limit = param == null ? DEFAULT_LIMIT : Integer.parseInt(param);
      if (limit < 1 || limit > MAX_LIMIT) throw new NumberFormatException();
    } catch (NumberFormatException e) {
      ProfileErrors.send(
          ctx.response(),
          400,
          "validation_error",
          "limit must be a whole number from 1 to " + MAX_LIMIT);
      return;
    }
    String cursor = ctx.request().getParam("cursor");
    blocking(
        ctx,
        () -> {
          ProfileStore.EventPage page = store.events(id, cursor, limit);
          if (page == null) return Optional.empty();
          ObjectNode body = Json.object();
          ArrayNode data = body.putArray("data");
          for (byte[] event : page.events()) {
            data.add(Json.read(event));
          }
          ProfileJson.cursor(body, page.next());
          return Optional.of(body);
        });
  }

  private void delete(RoutingContext ctx) {
    ExternalId id = externalId(ctx);
    if (id == null) return;
    // judged before anything is deleted: a deletion cannot be undone
    Boolean suppress = booleanParam(ctx, "suppress");
    if (suppress == null) return;
    blocking(
        ctx,
        () -> {
          List<ExternalId> ids = store.delete(id, suppress);
          if (ids.isEmpty()) return Optional.empty();
          List<String> personKeys = new ArrayList<>();
          for (ExternalId each : ids) {
            if (each.kind() != IdKind.EMAIL) personKeys.add(each.value());
          }
          int calls = deleteFromLog.applyAsInt(personKeys);
          feed.forget(personKeys);
          int deliveries = this.deliveries.forget(personKeys);
          ObjectNode body = Json.object();
          body.put("success", true);
          ArrayNode deleted = body.putArray("deleted");
          ids.forEach(each -> deleted.add(each.toString()));
          body.put("calls_deleted_from_log", calls);
          body.put("deliveries_deleted", deliveries);
          body.put("suppressed", suppress);
          return Optional.of(body);
        });
  }

  /**
   * A true/false query parameter: absent is false; {@code true} or {@code false} in any case, given
   * once. Anything else ({@code 1}, {@code yes}, empty, twice) answers 400 and returns null: read
   * as false, a mistyped {@code suppress} would delete without suppressing. {@code 1} and {@code 0}
   * are refused too, so that the API has one spelling, the one its documentation names.
   */
  private static Boolean booleanParam(RoutingContext ctx, String name) {
    List<String> values = ctx.queryParam(name);
    if (values.isEmpty()) return false;
    if (values.size() == 1) {
      String value = values.get(0);
      if (value.equalsIgnoreCase("true")) return true;
      if (value.equalsIgnoreCase("false")) return false;
    }
    ProfileErrors.send(
        ctx.response(),
        400,
        "validation_error",
        name
            + " must be true or false, given once; got "
            + (values.size() == 1 ? "\"" + values.get(0) + "\"" : values.size() + " values"));
    return null;
  }

  private static ExternalId externalId(RoutingContext ctx) {
    try {
      return ExternalId.parse(ctx.pathParam("externalId"));
    } catch (IllegalArgumentException e) {
      ProfileErrors.send(ctx.response(), 400, "validation_error", e.getMessage());
      return null;
    }
  }

  /** Runs {@code work} on a worker thread and answers 200 with its document, or 404. */
  private static void blocking(RoutingContext ctx, Callable<Optional<ObjectNode>> work) {
    ctx.vertx()
        .executeBlocking(work, false)
        .onComplete(
            result -> {
              if (result.failed()) {
                Throwable cause = result.cause();
                if (cause instanceof IllegalArgumentException) {
                  ProfileErrors.send(ctx.response(), 400, "validation_error", cause.getMessage());
                  return;
                }
                LOG.error(
                    "profile API failed on {} {}",
                    ctx.request().method(),
                    LoggedPaths.of(ctx.request().path()),
                    Redacted.of(cause));
                LOG.debug("profile API failed on {}", ctx.request().path(), cause);
                ProfileErrors.send(
                    ctx.response(),
                    cause instanceof IOException ? 500 : 503,
                    "internal_error",
                    "the profile store failed; the server's log has the details");
                return;
              }
              Optional<ObjectNode> body = result.result();
              if (body.isEmpty()) {
                ProfileErrors.send(ctx.response(), 404, "not_found", "Profile was not found.");
              } else {
                JsonResponses.send(ctx.response(), 200, body.get());
              }
            });
  }
}
