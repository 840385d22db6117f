package dev.rollcall.server.collect;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.zip.DataFormatException;
import java.util.zip.GZIPInputStream;

/**
 * Fuzzes {@link Bodies#gunzip} against the JDK's {@link GZIPInputStream} as the reference. For any
 * bytes and limit (the first two bytes of the input): only the documented exceptions escape ({@link
 * Bodies.TooLargeException}, {@link DataFormatException}); what gunzip inflates is at most the
 * limit and is exactly what the JDK inflates; what the JDK inflates, gunzip inflates too, unless it
 * is over the limit or followed by bytes that start no gzip member (which the JDK ignores and
 * gunzip refuses). The input's own bytes, gzipped, come back whole.
 *
 * <p>Its first finding: gunzip did not check the trailer's CRC-32, so damaged data was accepted.
 */
class BodiesFuzzTest {
  @FuzzTest
  @DictionaryFile(resourcePath = "/dev/rollcall/server/collect/tracking.dict")
  void gunzip(byte[] input) throws Exception {
    if (input.length < 2) return;
    int limit = ((input[0] & 0xff) << 8 | (input[1] & 0xff)) + 1;
    byte[] data = Arrays.copyOfRange(input, 2, input.length);

    byte[] reference = jdkGunzip(data);
    byte[] ours;
    try {
      ours = Bodies.gunzip(data, limit);
    } catch (Bodies.TooLargeException e) {
      assertThat(reference)
          .as("the JDK inflates it within the limit")
          .satisfiesAnyOf(
              r -> assertThat(r).isNull(), r -> assertThat(r.length).isGreaterThan(limit));
      ours = null;
    } catch (DataFormatException e) {
      if (reference != null) {
        assertThat(e.getMessage())
            .as("refused what the JDK reads")
            .contains("after its first member");
      }
      ours = null;
    }
    if (ours != null) {
      assertThat(ours.length).isLessThanOrEqualTo(limit);
      assertThat(ours).isEqualTo(reference);
    }

    byte[] gzipped = TrackingApi.gzip(data);
    assertThat(Bodies.gunzip(gzipped, Math.max(1, data.length))).isEqualTo(data);
  }

  /** The JDK's reading of {@code data}, or null when it refuses it. */
  private static byte[] jdkGunzip(byte[] data) {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(data))) {
      return in.readNBytes(1 << 20);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
