package dev.rollcall.destination;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rollcall.internal.Json;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One HTTP request a destination adapter wants sent: exactly what goes on the wire. The body is
 * either JSON ({@link #jsonBody()}) or other text such as a form ({@link #textBody()}).
 */
public final class DestinationRequest {
  private final String method;
  private final String url;
  private final Map<String, String> headers;
  private final JsonNode jsonBody;
  private final byte[] jsonBytes;
  private final String textBody;

  private DestinationRequest(Builder builder) {
    this.method = builder.method;
    this.url = builder.url;
    this.headers = Collections.unmodifiableMap(new LinkedHashMap<>(builder.headers));
    this.jsonBody = builder.jsonBody;
    this.jsonBytes = builder.jsonBytes;
    this.textBody = builder.textBody;
  }

  public static Builder builder(String method, String url) {
    return new Builder(method, url);
  }

  public String method() {
    return method;
  }

  public String url() {
    return url;
  }

  /** In the order they are sent; names as the tool documents them. */
  public Map<String, String> headers() {
    return headers;
  }

  /** The JSON body, or null when the body is not JSON. */
  public JsonNode jsonBody() {
    return jsonBody;
  }

  /** The body when it is not JSON (a form, say), or null. */
  public String textBody() {
    return textBody;
  }

  /** The body's bytes as sent: JSON serialized compactly, text as UTF-8, or empty. */
  public byte[] bodyBytes() {
    if (jsonBytes != null) return jsonBytes.clone();
    if (jsonBody != null) return Json.write(jsonBody);
    if (textBody != null) return textBody.getBytes(StandardCharsets.UTF_8);
    return new byte[0];
  }

  /** {@code {"method", "url", "headers", "body"}}, with the body as JSON when it is JSON. */
  public ObjectNode toJson() {
    ObjectNode json = Json.object();
    json.put("method", method);
    json.put("url", url);
    ObjectNode headerJson = json.putObject("headers");
    headers.forEach(headerJson::put);
    if (jsonBody != null) {
      json.set("body", jsonBody);
    } else if (textBody != null) {
      json.put("body", textBody);
    } else {
      json.putNull("body");
    }
    return json;
  }

  public static final class Builder {
    private final String method;
    private final String url;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private JsonNode jsonBody;
    private byte[] jsonBytes;
    private String textBody;

    private Builder(String method, String url) {
      if (method == null) throw new NullPointerException("method == null");
      if (url == null) throw new NullPointerException("url == null");
      this.method = method;
      this.url = url;
    }

    public Builder header(String name, String value) {
      if (name == null) throw new NullPointerException("name == null");
      if (value == null) throw new NullPointerException("value == null for header " + name);
      headers.put(name, value);
      return this;
    }

    /** A JSON body; also sets {@code Content-Type: application/json} unless set already. */
    public Builder jsonBody(JsonNode body) {
      this.jsonBody = body;
      this.jsonBytes = null;
      this.textBody = null;
      headers.putIfAbsent("Content-Type", "application/json");
      return this;
    }

    /**
     * A JSON body already serialized (to sign the exact bytes sent, say): {@code bytes} must be
     * {@code body} written by {@link Json#write}; they are sent as they are.
     */
    public Builder jsonBody(JsonNode body, byte[] bytes) {
      jsonBody(body);
      this.jsonBytes = bytes;
      return this;
    }

    /** A body that is not JSON, with its content type. */
    public Builder textBody(String contentType, String body) {
      this.textBody = body;
      this.jsonBody = null;
      this.jsonBytes = null;
      headers.put("Content-Type", contentType);
      return this;
    }

    public DestinationRequest build() {
      return new DestinationRequest(this);
    }
  }
}
