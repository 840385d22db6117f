package dev.rollcall.destination;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.internal.Json;
import java.util.Map;

/**
 * A destination's settings (credentials, list ids, base URL, ...) and the call's own options for it
 * (an object value in the {@code integrations} object).
 *
 * <p>Two modes. For delivery, a required setting that is missing is an error ({@link
 * MissingSettingException}), so a misconfigured destination fails loudly. For preview, it reads as
 * a placeholder such as {@code <token>}, so anyone can see the mapping without credentials.
 */
public final class DestinationSettings {
  private final Map<String, String> values;
  private final ObjectNode options;
  private final boolean preview;

  private DestinationSettings(Map<String, String> values, ObjectNode options, boolean preview) {
    this.values = Map.copyOf(values);
    this.options = options == null ? Json.object() : options;
    this.preview = preview;
  }

  /** Settings for sending: a missing required setting throws. */
  public static DestinationSettings of(Map<String, String> values, ObjectNode options) {
    return new DestinationSettings(values, options, false);
  }

  /** Settings for preview: a missing required setting reads as {@code <name>}. */
  public static DestinationSettings preview(Map<String, String> values, ObjectNode options) {
    return new DestinationSettings(values, options, true);
  }

  /** A setting the destination cannot work without. */
  public String required(String name) {
    String value = values.get(name);
    if (value != null && !value.isEmpty()) return value;
    if (preview) return "<" + name + ">";
    throw new MissingSettingException(name);
  }

  /** A setting with a default, such as the base URL. */
  public String optional(String name, String defaultValue) {
    String value = values.get(name);
    return value == null || value.isEmpty() ? defaultValue : value;
  }

  /** The call's options for this destination, from the {@code integrations} object. */
  public ObjectNode options() {
    return options;
  }

  public boolean isPreview() {
    return preview;
  }

  /** A required setting is missing from the destination's configuration. */
  public static final class MissingSettingException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String setting;

    public MissingSettingException(String setting) {
      super("the setting " + setting + " is required and not configured");
      this.setting = setting;
    }

    public String setting() {
      return setting;
    }
  }
}
