package dev.rollcall.internal;

import com.fasterxml.jackson.core.JsonParseException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Strict UTF-8 validation of request bodies, with a fast path for plain ASCII. */
final class Utf8 {
  private Utf8() {}

  /**
   * Throws when {@code bytes} are not well-formed UTF-8 (RFC 3629): no overlong forms, no
   * surrogates, nothing above U+10FFFF. ASCII-only input, the common case, costs one scan.
   */
  static void check(byte[] bytes) throws JsonParseException {
    int i = 0;
    while (i < bytes.length && bytes[i] >= 0) {
      i++;
    }
    if (i == bytes.length) {
      return;
    }
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes, i, bytes.length - i));
    } catch (CharacterCodingException e) {
      throw new JsonParseException(null, "invalid UTF-8 in the body, near byte " + i);
    }
  }
}
