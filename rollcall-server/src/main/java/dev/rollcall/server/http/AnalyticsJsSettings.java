package dev.rollcall.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.internal.Json;

/**
 * The settings document analytics.js loads at start-up ({@code GET
 * /v1/projects/{writeKey}/settings} on its CDN host), pointing its "Segment.io" integration at this
 * server, so the browser library sends its calls to Rollcall.
 *
 * <p>Only what the library reads is here: the Segment.io integration with {@code apiKey}, {@code
 * apiHost} (host and path, without the scheme) and {@code protocol}; an empty tracking plan; and
 * metrics sampling off, so the library sends no usage metrics to any other host.
 */
public final class AnalyticsJsSettings {
  private AnalyticsJsSettings() {}

  /**
   * @param writeKey the key the page was configured with
   * @param scheme {@code http} or {@code https}, as this server was reached
   * @param host the {@code Host} the page reached this server at, such as {@code localhost:8080}
   */
  public static ObjectNode of(String writeKey, String scheme, String host) {
    ObjectNode settings = Json.object();
    ObjectNode segment = settings.putObject("integrations").putObject("Segment.io");
    segment.put("apiKey", writeKey);
    segment.put("apiHost", host + "/v1");
    segment.put("protocol", scheme);
    segment.putArray("unbundledIntegrations");
    segment.put("addBundledMetadata", true);
    segment.putObject("maybeBundledConfigIds");
    ObjectNode plan = settings.putObject("plan");
    plan.putObject("track").putObject("__default").put("enabled", true).putObject("integrations");
    plan.putObject("identify").putObject("__default").put("enabled", true);
    plan.putObject("group").putObject("__default").put("enabled", true);
    settings.putObject("edgeFunction");
    settings.put("analyticsNextEnabled", true);
    settings.putObject("middlewareSettings");
    settings.putObject("enabledMiddleware");
    settings.putObject("metrics").put("sampleRate", 0);
    settings.put("legacyVideoPluginsEnabled", false);
    settings.putArray("remotePlugins");
    return settings;
  }
}
