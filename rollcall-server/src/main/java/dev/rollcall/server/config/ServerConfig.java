package dev.rollcall.server.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Everything a Rollcall server is started with, settled: each value comes from the command line,
 * else the environment, else the config file, else its default (see {@link ConfigLoader}).
 */
public final class ServerConfig {
  public static final int DEFAULT_PORT = 8080;
  public static final String DEFAULT_HOST = "0.0.0.0";

  /**
   * A connection silent both ways this long is closed: 60 s, four times the console stream's
   * keep-alive comment, and longer than any client waits between calls on a kept-alive connection
   * it means to reuse. Without it, a client that stalls in the middle of a body (or vanishes
   * without a FIN) holds its connection and the bytes it sent for good, and enough of them spend
   * the collector's budget for bodies: every other request would be shed.
   */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);

  public static final Path DEFAULT_DATA_DIR = Path.of("rollcall-data");

  private final String host;
  private final int port;
  private final Path dataDir;
  private final List<String> writeKeys;
  private final String adminToken;
  private final Duration dedupWindow;
  private final int maxPendingEntries;
  private final Duration idleTimeout;
  private final List<SourceSetup> sources;
  private final List<DestinationSetup> destinations;
  private final Path analyticsJs;
  private final ScaleOut scaleOut;
  private final Role role;
  private final double rateLimit;
  private final int rateLimitBurst;
  private final Path tlsCert;
  private final Path tlsKey;

  private ServerConfig(Builder builder) {
    this.host = builder.host;
    this.port = builder.port;
    this.dataDir = builder.dataDir;
    this.writeKeys = List.copyOf(builder.writeKeys);
    this.adminToken = builder.adminToken;
    this.dedupWindow = builder.dedupWindow;
    this.maxPendingEntries = builder.maxPendingEntries;
    this.idleTimeout = builder.idleTimeout;
    this.sources = List.copyOf(builder.sources);
    this.destinations = List.copyOf(builder.destinations);
    this.analyticsJs = builder.analyticsJs;
    this.scaleOut = builder.scaleOut;
    this.role = builder.role;
    this.rateLimit = builder.rateLimit;
    this.rateLimitBurst = builder.rateLimitBurst;
    this.tlsCert = builder.tlsCert;
    this.tlsKey = builder.tlsKey;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The address to listen on; {@code 0.0.0.0} for every interface. */
  public String host() {
    return host;
  }

  /** The TCP port; {@code 0} picks a free one (tests). */
  public int port() {
    return port;
  }

  /** Where the embedded store keeps its files. */
  public Path dataDir() {
    return dataDir;
  }

  /** The configured write keys; empty means "use the one generated in the data directory". */
  public List<String> writeKeys() {
    return writeKeys;
  }

  /** The admin token, or null for "use the one generated in the data directory". */
  public String adminToken() {
    return adminToken;
  }

  /** How long a {@code messageId} is remembered to drop a second copy of a call. */
  public Duration dedupWindow() {
    return dedupWindow;
  }

  /** Calls waiting to be stored before the collector answers 503 (entries). */
  public int maxPendingEntries() {
    return maxPendingEntries;
  }

  /**
   * How long a connection may send and receive nothing before the server closes it; zero for never.
   */
  public Duration idleTimeout() {
    return idleTimeout;
  }

  /** Named sources, each with its own write key and destinations. */
  public List<SourceSetup> sources() {
    return sources;
  }

  /** The destinations calls are delivered to. */
  public List<DestinationSetup> destinations() {
    return destinations;
  }

  /**
   * The unpacked {@code @segment/analytics-next} package that {@code /demo} serves, or null when
   * the demo page only explains how to get it.
   */
  public Path analyticsJs() {
    return analyticsJs;
  }

  /** Kafka and PostgreSQL, or null for the embedded store. */
  public ScaleOut scaleOut() {
    return scaleOut;
  }

  /** What this server does; {@link Role#ALL} unless the store is scaled out. */
  public Role role() {
    return role;
  }

  /** Calls per second each write key may send on average; 0 (the default) for no limit. */
  public double rateLimit() {
    return rateLimit;
  }

  /**
   * Calls a write key may send at once after a quiet spell: as configured, else one second's worth
   * of {@link #rateLimit()} (at least 1).
   */
  public int rateLimitBurst() {
    return rateLimitBurst > 0 ? rateLimitBurst : (int) Math.max(1, Math.ceil(rateLimit));
  }

  /** The PEM certificate (chain) to serve HTTPS with, or null for plain HTTP. */
  public Path tlsCert() {
    return tlsCert;
  }

  /** The PEM private key of {@link #tlsCert()}, or null for plain HTTP. */
  public Path tlsKey() {
    return tlsKey;
  }

  public boolean tls() {
    return tlsCert != null;
  }

  public Builder toBuilder() {
    return builder()
        .host(host)
        .port(port)
        .dataDir(dataDir)
        .writeKeys(writeKeys)
        .adminToken(adminToken)
        .dedupWindow(dedupWindow)
        .maxPendingEntries(maxPendingEntries)
        .idleTimeout(idleTimeout)
        .sources(sources)
        .destinations(destinations)
        .analyticsJs(analyticsJs)
        .scaleOut(scaleOut)
        .role(role)
        .rateLimit(rateLimit)
        .rateLimitBurst(rateLimitBurst)
        .tls(tlsCert, tlsKey);
  }

  public static final class Builder {
    private String host = DEFAULT_HOST;
    private int port = DEFAULT_PORT;
    private Path dataDir = DEFAULT_DATA_DIR;
    private List<String> writeKeys = List.of();
    private String adminToken;
    private Duration dedupWindow = Duration.ofHours(24);
    private int maxPendingEntries = 100_000;
    private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
    private List<SourceSetup> sources = List.of();
    private List<DestinationSetup> destinations = List.of();
    private Path analyticsJs;
    private ScaleOut scaleOut;
    private Role role = Role.ALL;

    /** Kafka and PostgreSQL instead of the embedded store; null for the embedded store. */
    public Builder scaleOut(ScaleOut scaleOut) {
      this.scaleOut = scaleOut;
      return this;
    }

    /** Anything but {@link Role#ALL} needs {@link #scaleOut}. */
    public Builder role(Role role) {
      if (role == null) throw new NullPointerException("role == null");
      this.role = role;
      return this;
    }

    private double rateLimit;
    private int rateLimitBurst;
    private Path tlsCert;
    private Path tlsKey;

    /** Calls per second per write key; 0 for no limit. */
    public Builder rateLimit(double callsPerSecond) {
      if (!(callsPerSecond >= 0) || Double.isInfinite(callsPerSecond)) {
        throw new IllegalArgumentException(
            "the rate limit must be a number of calls per second, 0 or more: " + callsPerSecond);
      }
      this.rateLimit = callsPerSecond;
      return this;
    }

    /** Calls at once after a quiet spell; 0 for one second's worth of the rate. */
    public Builder rateLimitBurst(int calls) {
      if (calls < 0) throw new IllegalArgumentException("the rate limit burst < 0: " + calls);
      this.rateLimitBurst = calls;
      return this;
    }

    /** The PEM certificate and private key for HTTPS; both null for plain HTTP. */
    public Builder tls(Path cert, Path key) {
      if ((cert == null) != (key == null)) {
        throw new IllegalArgumentException(
            "TLS needs both a certificate and its key: "
                + (cert == null ? "the certificate is missing" : "the key is missing"));
      }
      this.tlsCert = cert;
      this.tlsKey = key;
      return this;
    }

    public Builder sources(List<SourceSetup> sources) {
      this.sources = List.copyOf(sources);
      return this;
    }

    /** Destination names must be unique; a source may only name configured destinations. */
    public Builder destinations(List<DestinationSetup> destinations) {
      this.destinations = List.copyOf(destinations);
      return this;
    }

    public Builder host(String host) {
      if (host == null) throw new NullPointerException("host == null");
      this.host = host;
      return this;
    }

    public Builder port(int port) {
      if (port < 0 || port > 65535)
        throw new IllegalArgumentException("port out of range: " + port);
      this.port = port;
      return this;
    }

    public Builder dataDir(Path dataDir) {
      if (dataDir == null) throw new NullPointerException("dataDir == null");
      this.dataDir = dataDir;
      return this;
    }

    public Builder writeKeys(List<String> writeKeys) {
      if (writeKeys == null) throw new NullPointerException("writeKeys == null");
      for (String key : writeKeys) {
        if (key == null || key.isBlank()) {
          throw new IllegalArgumentException("a write key is empty");
        }
      }
      this.writeKeys = List.copyOf(writeKeys);
      return this;
    }

    public Builder adminToken(String adminToken) {
      if (adminToken != null && adminToken.isBlank()) {
        throw new IllegalArgumentException("the admin token is empty");
      }
      this.adminToken = adminToken;
      return this;
    }

    public Builder dedupWindow(Duration dedupWindow) {
      if (dedupWindow == null) throw new NullPointerException("dedupWindow == null");
      if (dedupWindow.isNegative())
        throw new IllegalArgumentException("dedupWindow < 0: " + dedupWindow);
      this.dedupWindow = dedupWindow;
      return this;
    }

    public Builder idleTimeout(Duration idleTimeout) {
      if (idleTimeout == null) throw new NullPointerException("idleTimeout == null");
      if (idleTimeout.isNegative())
        throw new IllegalArgumentException("idleTimeout < 0: " + idleTimeout);
      this.idleTimeout = idleTimeout;
      return this;
    }

    public Builder maxPendingEntries(int maxPendingEntries) {
      if (maxPendingEntries <= 0) {
        throw new IllegalArgumentException("maxPendingEntries <= 0: " + maxPendingEntries);
      }
      this.maxPendingEntries = maxPendingEntries;
      return this;
    }

    /** The unpacked analytics-next package for {@code /demo}; null for none. */
    public Builder analyticsJs(Path analyticsJs) {
      this.analyticsJs = analyticsJs;
      return this;
    }

    public ServerConfig build() {
      if (role != Role.ALL && scaleOut == null) {
        throw new IllegalArgumentException(
            "role "
                + role.wireName()
                + " needs log: kafka and store: postgres; the embedded store runs every role in"
                + " one server");
      }
      java.util.Set<String> names = new java.util.HashSet<>();
      for (DestinationSetup destination : destinations) {
        if (!names.add(destination.name())) {
          throw new IllegalArgumentException("two destinations are named " + destination.name());
        }
      }
      for (SourceSetup source : sources) {
        if (source.destinations() == null) continue;
        for (String name : source.destinations()) {
          if (!names.contains(name)) {
            throw new IllegalArgumentException(
                "sources." + source.name() + " sends to " + name + ", which is not configured");
          }
        }
      }
      return new ServerConfig(this);
    }
  }
}
