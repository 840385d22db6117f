package dev.rollcall.server.http;

import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;

/**
 * Answers the requests that HTTP itself refuses before any route sees them, in Rollcall's JSON
 * shape: a request line over its limit ({@code 414}) or headers over theirs ({@code 431}). Vert.x's
 * own handler answers both with an empty body. Anything else the decoder refused (not HTTP at all)
 * goes to Vert.x's handler, which answers 400 or closes the connection. The connection is closed
 * after the answer either way: what follows the refused part on it cannot be read as a request.
 */
public final class InvalidRequests implements Handler<HttpServerRequest> {
  private final int maxInitialLineBytes;
  private final int maxHeaderBytes;

  /**
   * @param maxInitialLineBytes the server's limit on the request line, in bytes, quoted in the 414
   * @param maxHeaderBytes the server's limit on all headers, in bytes, quoted in the 431
   */
  public InvalidRequests(int maxInitialLineBytes, int maxHeaderBytes) {
    this.maxInitialLineBytes = maxInitialLineBytes;
    this.maxHeaderBytes = maxHeaderBytes;
  }

  @Override
  public void handle(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    if (cause instanceof TooLongHttpLineException) {
      refuse(
          request,
          414,
          "the request line (method, path and query) is longer than the limit of "
              + maxInitialLineBytes
              + " bytes");
    } else if (cause instanceof TooLongHttpHeaderException) {
      refuse(
          request,
          431,
          "the request's headers are larger than the limit of " + maxHeaderBytes + " bytes");
    } else {
      HttpServerRequest.DEFAULT_INVALID_REQUEST_HANDLER.handle(request);
    }
  }

  private static void refuse(HttpServerRequest request, int status, String error) {
    request.response().putHeader("Connection", "close");
    JsonResponses.error(request.response(), status, error);
  }
}
