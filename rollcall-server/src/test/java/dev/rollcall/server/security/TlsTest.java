package dev.rollcall.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rollcall.server.RollcallServer;
import dev.rollcall.server.config.ServerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTPS with a certificate and key in PEM files. The certificate is self-signed for localhost and
 * made by the test with the JDK's keytool (no certificate is committed); its key is written as
 * PKCS#8 PEM, as {@code openssl} and certbot write them.
 */
class TlsTest {
  private static final String KEY = "tls-write-key";
  private static final String ADMIN = "tls-admin-token";

  @TempDir static Path certs;
  private static Path certPem;
  private static Path keyPem;
  private static SSLContext trusting;

  @TempDir Path dir;
  private RollcallServer server;

  @BeforeAll
  static void makeCertificate() throws Exception {
    Path store = certs.resolve("server.p12");
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    Process process =
        new ProcessBuilder(
                keytool,
                "-genkeypair",
                "-alias",
                "rollcall",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=localhost",
                "-ext",
                "SAN=dns:localhost,ip:127.0.0.1",
                "-validity",
                "2",
                "-keystore",
                store.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                "changeit")
            .redirectErrorStream(true)
            .start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();

    KeyStore keyStore = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      keyStore.load(in, "changeit".toCharArray());
    }
    PrivateKey key = (PrivateKey) keyStore.getKey("rollcall", "changeit".toCharArray());
    Certificate certificate = keyStore.getCertificate("rollcall");
    certPem = certs.resolve("cert.pem");
    keyPem = certs.resolve("key.pem");
    Files.writeString(certPem, pem("CERTIFICATE", certificate.getEncoded()));
    Files.writeString(keyPem, pem("PRIVATE KEY", key.getEncoded()));

    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("rollcall", certificate);
    TrustManagerFactory factory =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(trust);
    trusting = SSLContext.getInstance("TLS");
    trusting.init(null, factory.getTrustManagers(), null);
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  @AfterEach
  void stop() {
    if (server != null) server.close();
  }

  private void start() throws Exception {
    server =
        RollcallServer.start(
            ServerConfig.builder()
                .port(0)
                .dataDir(dir.resolve("data"))
                .writeKeys(List.of(KEY))
                .adminToken(ADMIN)
                .tls(certPem, keyPem)
                .build(),
            Clock.systemUTC());
  }

  @Test
  void withCertificateAndKey_callsAndAdminApisAreServedOverHttps() throws Exception {
    start();
    HttpClient https = HttpClient.newBuilder().sslContext(trusting).build();

    HttpResponse<String> identify =
        https.send(
            HttpRequest.newBuilder(uri("https", "/v1/identify"))
                .header("Content-Type", "application/json")
                .header("Authorization", basic(KEY))
                .POST(HttpRequest.BodyPublishers.ofString("{\"userId\": \"over-tls\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(identify.statusCode()).as(identify.body()).isEqualTo(200);
    assertThat(server.eventLog().read(0, 10)).hasSize(1);

    HttpResponse<String> destinations =
        https.send(
            HttpRequest.newBuilder(uri("https", "/v1/destinations"))
                .header("Authorization", "Bearer " + ADMIN)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(destinations.statusCode()).isEqualTo(200);

    HttpResponse<String> settings =
        https.send(
            HttpRequest.newBuilder(uri("https", "/v1/projects/" + KEY + "/settings")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(settings.body()).contains("\"apiHost\":\"localhost:" + server.port() + "/v1\"");
    assertThat(settings.body()).contains("\"protocol\":\"https\"");
  }

  @Test
  void withTls_plainHttpIsNotServed() throws Exception {
    start();
    HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    assertThatThrownBy(
            () ->
                plain.send(
                    HttpRequest.newBuilder(uri("http", "/health"))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                    HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(IOException.class);
  }

  @Test
  void clientThatDoesNotTrustTheCertificate_isRefusedTheHandshake() throws Exception {
    start();
    HttpClient untrusting = HttpClient.newHttpClient();

    assertThatThrownBy(
            () ->
                untrusting.send(
                    HttpRequest.newBuilder(uri("https", "/health")).build(),
                    HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(javax.net.ssl.SSLHandshakeException.class);
  }

  @Test
  void keyFileMissing_serverDoesNotStart_andSaysWhich() {
    Path missing = dir.resolve("nope.pem");

    assertThatThrownBy(
            () ->
                RollcallServer.start(
                    ServerConfig.builder()
                        .port(0)
                        .dataDir(dir.resolve("data"))
                        .writeKeys(List.of(KEY))
                        .tls(certPem, missing)
                        .build(),
                    Clock.systemUTC()))
        .hasMessage("the TLS file " + missing + " cannot be read");
  }

  private URI uri(String scheme, String path) {
    return URI.create(scheme + "://localhost:" + server.port() + path);
  }

  private static String basic(String key) {
    return "Basic "
        + Base64.getEncoder().encodeToString((key + ":").getBytes(StandardCharsets.UTF_8));
  }
}
