package dev.rollcall.server.collect;

import java.io.ByteArrayOutputStream;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Request bodies: gzip inflation with a bound on the inflated size.
 *
 * <p>gzip as RFC 1952 defines it: one or more members, each a header, deflate data and a trailer
 * whose CRC-32 and length are checked, so a body damaged on the way is refused rather than stored.
 * Bytes after a member that are not a whole member are refused too (the JDK's {@code
 * GZIPInputStream} ignores some of them; no client sends them).
 */
final class Bodies {
  private static final int TRAILER_BYTES = 8;

  private Bodies() {}

  /**
   * Inflates a gzip body, giving up as soon as the output passes {@code limit} bytes, so that a
   * gzip bomb costs at most {@code limit} bytes of memory.
   *
   * @throws TooLargeException when the inflated body is larger than {@code limit}
   * @throws DataFormatException when {@code gzip} is not gzip data
   */
  static byte[] gunzip(byte[] gzip, int limit) throws TooLargeException, DataFormatException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(limit, gzip.length * 4 + 64));
    int pos = member(gzip, headerEnd(gzip, 0), limit, out);
    while (pos < gzip.length) {
      try {
        pos = member(gzip, headerEnd(gzip, pos), limit, out);
      } catch (DataFormatException e) {
        throw new DataFormatException(
            "the gzip data goes on after its first member with bytes that are no whole member ("
                + e.getMessage()
                + ")");
      }
    }
    return out.toByteArray();
  }

  /**
   * Inflates the member whose deflate data starts at {@code offset} into {@code out}; the position
   * after its trailer.
   */
  private static int member(byte[] gzip, int offset, int limit, ByteArrayOutputStream out)
      throws TooLargeException, DataFormatException {
    Inflater inflater = new Inflater(true);
    CRC32 crc = new CRC32();
    try {
      inflater.setInput(gzip, offset, gzip.length - offset);
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
        crc.update(chunk, 0, n);
      }
      int trailer = gzip.length - inflater.getRemaining();
      if (trailer + TRAILER_BYTES > gzip.length) {
        throw new DataFormatException("the gzip data ends too early");
      }
      if (uint32(gzip, trailer) != crc.getValue()
          || uint32(gzip, trailer + 4) != (inflater.getBytesWritten() & 0xffffffffL)) {
        throw new DataFormatException("the gzip data is damaged: its checksum does not match");
      }
      return trailer + TRAILER_BYTES;
    } finally {
      inflater.end();
    }
  }

  /** Where the member header (RFC 1952) at {@code start} ends; checks its magic number and CRC. */
  private static int headerEnd(byte[] b, int start) throws DataFormatException {
    if (b.length - start < 10
        || (b[start] & 0xff) != 0x1f
        || (b[start + 1] & 0xff) != 0x8b
        || b[start + 2] != 8) {
      throw new DataFormatException("not gzip data");
    }
    int flags = b[start + 3] & 0xff;
    int pos = start + 10;
    if ((flags & 4) != 0) { // FEXTRA
      if (pos + 2 > b.length) throw new DataFormatException("truncated gzip header");
      pos += 2 + ((b[pos] & 0xff) | (b[pos + 1] & 0xff) << 8);
    }
    if (pos > b.length) throw new DataFormatException("truncated gzip header");
    if ((flags & 8) != 0) pos = skipZeroTerminated(b, pos); // FNAME
    if ((flags & 16) != 0) pos = skipZeroTerminated(b, pos); // FCOMMENT
    if ((flags & 2) != 0) { // FHCRC: the low 16 bits of the header's CRC-32
      if (pos + 2 > b.length) throw new DataFormatException("truncated gzip header");
      CRC32 crc = new CRC32();
      crc.update(b, start, pos - start);
      if ((crc.getValue() & 0xffff) != ((b[pos] & 0xff) | (b[pos + 1] & 0xff) << 8)) {
        throw new DataFormatException("the gzip header is damaged: its checksum does not match");
      }
      pos += 2;
    }
    return pos;
  }

  private static int skipZeroTerminated(byte[] b, int pos) throws DataFormatException {
    while (pos < b.length && b[pos] != 0) pos++;
    if (pos >= b.length) throw new DataFormatException("truncated gzip header");
    return pos + 1;
  }

  private static long uint32(byte[] b, int at) {
    return (b[at] & 0xffL)
        | (b[at + 1] & 0xffL) << 8
        | (b[at + 2] & 0xffL) << 16
        | (b[at + 3] & 0xffL) << 24;
  }

  /** A body over its limit. */
  static final class TooLargeException extends Exception {
    private static final long serialVersionUID = 1L;

    TooLargeException() {
      super(null, null, false, false);
    }
  }
}
