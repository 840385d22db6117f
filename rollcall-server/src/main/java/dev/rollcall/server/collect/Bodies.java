package dev.rollcall.server.collect;

import java.io.ByteArrayOutputStream;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/** Request bodies: gzip inflation with a bound on the inflated size. */
final class Bodies {
  private Bodies() {}

  /**
   * Inflates a gzip body, giving up as soon as the output passes {@code limit} bytes, so that a
   * gzip bomb costs at most {@code limit} bytes of memory.
   *
   * @throws TooLargeException when the inflated body is larger than {@code limit}
   * @throws DataFormatException when {@code gzip} is not gzip data
   */
  static byte[] gunzip(byte[] gzip, int limit) throws TooLargeException, DataFormatException {
    int offset = gzipHeaderLength(gzip);
    Inflater inflater = new Inflater(true);
    try {
      inflater.setInput(gzip, offset, gzip.length - offset);
      ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(limit, gzip.length * 4 + 64));
      byte[] chunk = new byte[16 * 1024];
      while (!inflater.finished()) {
        int n = inflater.inflate(chunk);
        if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
          throw new DataFormatException("the gzip data ends too early");
        }
        if (out.size() + n > limit) {
          throw new TooLargeException();
        }
        out.write(chunk, 0, n);
      }
      return out.toByteArray();
    } finally {
      inflater.end();
    }
  }

  /** The length of the gzip member header (RFC 1952), validating its magic number. */
  private static int gzipHeaderLength(byte[] b) throws DataFormatException {
    if (b.length < 10 || (b[0] & 0xff) != 0x1f || (b[1] & 0xff) != 0x8b || b[2] != 8) {
      throw new DataFormatException("not gzip data");
    }
    int flags = b[3] & 0xff;
    int pos = 10;
    if ((flags & 4) != 0) { // FEXTRA
      if (pos + 2 > b.length) throw new DataFormatException("truncated gzip header");
      pos += 2 + ((b[pos] & 0xff) | (b[pos + 1] & 0xff) << 8);
    }
    if ((flags & 8) != 0) pos = skipZeroTerminated(b, pos); // FNAME
    if ((flags & 16) != 0) pos = skipZeroTerminated(b, pos); // FCOMMENT
    if ((flags & 2) != 0) pos += 2; // FHCRC
    if (pos > b.length) throw new DataFormatException("truncated gzip header");
    return pos;
  }

  private static int skipZeroTerminated(byte[] b, int pos) throws DataFormatException {
    while (pos < b.length && b[pos] != 0) pos++;
    if (pos >= b.length) throw new DataFormatException("truncated gzip header");
    return pos + 1;
  }

  /** A body over its limit. */
  static final class TooLargeException extends Exception {
    private static final long serialVersionUID = 1L;

    TooLargeException() {
      super(null, null, false, false);
    }
  }
}
