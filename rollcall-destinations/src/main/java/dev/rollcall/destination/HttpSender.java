package dev.rollcall.destination;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * Sends a {@link DestinationRequest} as it is, over {@code java.net.http}, and returns the answer.
 * Safe for concurrent use. Headers the JDK client sets itself ({@code Content-Length}, {@code
 * Host}, ...) are left to it.
 */
public final class HttpSender {
  /** Headers {@link HttpClient} refuses to take from callers. */
  private static final Set<String> RESTRICTED =
      Set.of("content-length", "host", "connection", "expect", "upgrade");

  private final HttpClient client;
  private final Duration timeout;

  /**
   * @param timeout for the whole request, connecting included
   */
  public HttpSender(Duration timeout) {
    this.client =
        HttpClient.newBuilder()
            .connectTimeout(timeout)
            .version(HttpClient.Version.HTTP_1_1)
            .build();
    this.timeout = timeout;
  }

  public Response send(DestinationRequest request) throws IOException, InterruptedException {
    HttpRequest.Builder http =
        HttpRequest.newBuilder(URI.create(request.url()))
            .timeout(timeout)
            .method(request.method(), HttpRequest.BodyPublishers.ofByteArray(request.bodyBytes()));
    for (Map.Entry<String, String> header : request.headers().entrySet()) {
      if (!RESTRICTED.contains(header.getKey().toLowerCase(java.util.Locale.ROOT))) {
        http.header(header.getKey(), header.getValue());
      }
    }
    HttpResponse<String> response = client.send(http.build(), HttpResponse.BodyHandlers.ofString());
    return new Response(
        response.statusCode(),
        response.body(),
        response.headers().firstValue("Retry-After").orElse(null));
  }

  /** A destination's answer: status, body, and {@code Retry-After} when it sent one. */
  public record Response(int status, String body, String retryAfter) {}
}
