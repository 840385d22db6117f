package dev.rollcall.server.collect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.DataFormatException;
import org.junit.jupiter.api.Test;

class BodiesTest {
  private static final byte[] BODY = "{\"userId\": \"u1\"}".getBytes(StandardCharsets.UTF_8);

  @Test
  void gunzip_whatGzipOutputStreamWrote_isTheBody() throws Exception {
    assertThat(Bodies.gunzip(TrackingApi.gzip(BODY), BODY.length)).isEqualTo(BODY);
  }

  @Test
  void gunzip_overTheLimit_isTooLarge() {
    assertThatThrownBy(() -> Bodies.gunzip(TrackingApi.gzip(BODY), BODY.length - 1))
        .isInstanceOf(Bodies.TooLargeException.class);
  }

  /** Found by fuzzing: the trailer was not read, so damaged data was taken as it came out. */
  @Test
  void gunzip_trailerCrcDoesNotMatch_isRefused() throws Exception {
    byte[] gzip = TrackingApi.gzip(BODY);
    gzip[gzip.length - 8] ^= 1; // the CRC-32's low byte

    assertThatThrownBy(() -> Bodies.gunzip(gzip, 1024))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("checksum");
  }

  @Test
  void gunzip_trailerLengthDoesNotMatch_isRefused() throws Exception {
    byte[] gzip = TrackingApi.gzip(BODY);
    gzip[gzip.length - 4]++; // ISIZE

    assertThatThrownBy(() -> Bodies.gunzip(gzip, 1024))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("checksum");
  }

  @Test
  void gunzip_trailerMissing_isRefused() throws Exception {
    byte[] gzip = TrackingApi.gzip(BODY);

    assertThatThrownBy(() -> Bodies.gunzip(Arrays.copyOf(gzip, gzip.length - 8), 1024))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("ends too early");
  }

  @Test
  void gunzip_twoMembers_areBothRead_asRfc1952Says() throws Exception {
    ByteArrayOutputStream two = new ByteArrayOutputStream();
    two.write(TrackingApi.gzip("{\"userId\": ".getBytes(StandardCharsets.UTF_8)));
    two.write(TrackingApi.gzip("\"u1\"}".getBytes(StandardCharsets.UTF_8)));

    assertThat(Bodies.gunzip(two.toByteArray(), 1024)).isEqualTo(BODY);
  }

  @Test
  void gunzip_twoMembersOverTheLimitTogether_isTooLarge() throws Exception {
    ByteArrayOutputStream two = new ByteArrayOutputStream();
    two.write(TrackingApi.gzip(BODY));
    two.write(TrackingApi.gzip(BODY));

    assertThatThrownBy(() -> Bodies.gunzip(two.toByteArray(), BODY.length + 1))
        .isInstanceOf(Bodies.TooLargeException.class);
  }

  @Test
  void gunzip_bytesAfterTheMemberThatAreNoMember_areRefused() throws Exception {
    byte[] gzip = TrackingApi.gzip(BODY);
    byte[] padded = Arrays.copyOf(gzip, gzip.length + 30); // zeros

    assertThatThrownBy(() -> Bodies.gunzip(padded, 1024))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("goes on after its first member");
  }

  @Test
  void gunzip_headerCrcThatDoesNotMatch_isRefused() throws Exception {
    byte[] plain = TrackingApi.gzip(BODY);
    // the same member with FHCRC set and a wrong header CRC after the 10-byte header
    byte[] gzip = new byte[plain.length + 2];
    System.arraycopy(plain, 0, gzip, 0, 10);
    gzip[3] |= 2;
    gzip[10] = 0x12;
    gzip[11] = 0x34;
    System.arraycopy(plain, 10, gzip, 12, plain.length - 10);

    assertThatThrownBy(() -> Bodies.gunzip(gzip, 1024))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("header is damaged");
  }
}
