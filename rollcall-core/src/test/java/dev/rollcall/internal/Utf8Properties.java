package dev.rollcall.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonParseException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * {@link Utf8#check} against the JDK's strict decoder, on bodies that mix ASCII runs (so the word
 * scan meets its first non-ASCII byte at every offset within a word) with well-formed multibyte
 * characters and the ill-formed sequences a strict check must refuse.
 */
class Utf8Properties {

  @Property(tries = 3000)
  void check_acceptsExactlyWhatTheJdksStrictDecoderAccepts(@ForAll("bodies") byte[] body) {
    if (jdkAccepts(body)) {
      assertThatCode(() -> Utf8.check(body)).doesNotThrowAnyException();
    } else {
      assertThatThrownBy(() -> Utf8.check(body))
          .isInstanceOf(JsonParseException.class)
          .hasMessageContaining("near byte " + firstNonAscii(body));
    }
  }

  @Property(tries = 3000)
  void asciiPrefix_isTheIndexOfTheFirstNonAsciiByte(@ForAll("bodies") byte[] body) {
    assertThat(Utf8.asciiPrefix(body)).isEqualTo(firstNonAscii(body));
  }

  @Provide
  Arbitrary<byte[]> bodies() {
    return pieces().list().ofMaxSize(12).map(Utf8Properties::concat);
  }

  /** ASCII of 0 to 20 bytes, or one character or sequence, valid or not. */
  private static Arbitrary<byte[]> pieces() {
    Arbitrary<byte[]> ascii =
        Arbitraries.bytes().between((byte) 0, (byte) 0x7F).array(byte[].class).ofMaxSize(20);
    Arbitrary<byte[]> wellFormed =
        Arbitraries.integers()
            .between(0x80, 0x10FFFF)
            .filter(cp -> cp < 0xD800 || cp > 0xDFFF)
            .map(cp -> new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
    Arbitrary<byte[]> illFormed =
        Arbitraries.of(
            List.of(
                hex("C0 AF"), // overlong '/'
                hex("C1 BF"), // overlong
                hex("E0 80 AF"), // overlong, three bytes
                hex("E0 9F BF"), // overlong U+07FF
                hex("F0 8F BF BF"), // overlong U+FFFF
                hex("ED A0 80"), // high surrogate
                hex("ED BF BF"), // low surrogate
                hex("F4 90 80 80"), // above U+10FFFF
                hex("F5 80 80 80"), // never a lead byte
                hex("E2 82"), // cut short
                hex("F0 9F 9A"), // cut short
                hex("C3"), // lead byte alone
                hex("80"), // continuation byte alone
                hex("FF"),
                hex("FE")));
    Arbitrary<byte[]> anyByte = Arbitraries.bytes().map(b -> new byte[] {b});
    return Arbitraries.frequencyOf(
        Tuple.of(6, ascii), Tuple.of(3, wellFormed), Tuple.of(1, illFormed), Tuple.of(1, anyByte));
  }

  private static boolean jdkAccepts(byte[] body) {
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(body));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  private static int firstNonAscii(byte[] body) {
    int i = 0;
    while (i < body.length && body[i] >= 0) {
      i++;
    }
    return i;
  }

  private static byte[] concat(List<byte[]> pieces) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    pieces.forEach(out::writeBytes);
    return out.toByteArray();
  }

  private static byte[] hex(String hex) {
    String[] parts = hex.split(" ");
    byte[] bytes = new byte[parts.length];
    for (int i = 0; i < parts.length; i++) {
      bytes[i] = (byte) Integer.parseInt(parts[i], 16);
    }
    return bytes;
  }
}
