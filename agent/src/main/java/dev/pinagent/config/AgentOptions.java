package dev.pinagent.config;

import dev.pinagent.log.AgentLog;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * The agent's options. Each comes from, in order of precedence: the agent argument
 * ({@code -javaagent:pin-agent.jar=policy=/etc/pins.yaml,metrics.port=9464}), a system property
 * {@code pinagent.<key>}, or an environment variable {@code PINAGENT_<KEY>} (upper case, dots and dashes as
 * underscores) — the same layering as the OpenTelemetry agent, so a fleet can set defaults in the
 * environment and a single service override them. An unknown key is an error wherever it appears: a
 * misspelt {@code polcy=} must not start the service unpinned.
 */
public final class AgentOptions {
  public static final String POLICY = "policy";
  public static final String METRICS_PORT = "metrics.port";
  public static final String METRICS_HOST = "metrics.host";
  public static final String POLICY_RELOAD = "policy.reload";
  public static final String POLICY_RELOAD_INTERVAL = "policy.reload.interval";
  public static final String ON_POLICY_ERROR = "on.policy.error";
  public static final String INVENTORY_FILE = "inventory.file";
  public static final String INVENTORY_MAX_HOSTS = "inventory.max-hosts";
  public static final String INVENTORY_INTERVAL = "inventory.interval";

  public static final String REPORT_URI = "report.uri";
  public static final String REPORT_QUEUE = "report.queue";
  public static final String REPORT_DEDUPE = "report.dedupe";
  public static final String SERVICE_NAME = "service.name";
  public static final String LOG_FORMAT = "log.format";

  public static final String METRICS_JMX = "metrics.jmx";
  public static final String METRICS_GLOBAL = "metrics.global";

  public static final String POLICY_PUBLIC_KEY = "policy.public-key";
  public static final String POLICY_CACHE = "policy.cache";

  private static final List<String> KEYS = List.of(POLICY, POLICY_PUBLIC_KEY, POLICY_CACHE, POLICY_RELOAD,
      POLICY_RELOAD_INTERVAL, ON_POLICY_ERROR, METRICS_PORT, METRICS_HOST, METRICS_JMX, METRICS_GLOBAL,
      INVENTORY_FILE, INVENTORY_MAX_HOSTS, INVENTORY_INTERVAL, REPORT_URI, REPORT_QUEUE, REPORT_DEDUPE, SERVICE_NAME,
      LOG_FORMAT);
  private static final String PROPERTY_PREFIX = "pinagent.";
  private static final String ENV_PREFIX = "PINAGENT_";

  /** Faster polling than this costs more than it saves; a typo such as {@code 10ms} for {@code 10s} is caught. */
  static final Duration MIN_RELOAD_INTERVAL = Duration.ofMillis(100);

  /** Writing the inventory more often than this is wasted I/O; a typo such as {@code 60ms} is caught. */
  static final Duration MIN_INVENTORY_INTERVAL = Duration.ofSeconds(1);

  /** Hosts an inventory may hold: a million entries of four paths is some gigabytes of JSON, well past useful. */
  static final int MAX_INVENTORY_HOSTS = 1_000_000;
  /**
   * Reports queued at most. Each holds its certificate chain (a few KiB: every handshake parses its own copy), so
   * this bounds what memory a full queue can take, about 50 MiB at the most.
   */
  static final int MAX_REPORT_QUEUE = 10_000;

  /** What the agent does when the policy cannot be loaded at startup. */
  public enum OnPolicyError {
    /** The JVM stops (exit 78): a service meant to be pinned never runs unpinned. */
    FAIL,
    /** The service starts unpinned, says so, and the file is watched until a good version appears. */
    UNPINNED
  }

  private final Map<String, String> values;
  private final String policy;
  private final Integer metricsPort;
  private final String metricsHost;
  private final boolean policyReload;
  private final Duration policyReloadInterval;
  private final OnPolicyError onPolicyError;
  private final String inventoryFile;
  private final int inventoryMaxHosts;
  private final Duration inventoryInterval;
  private final URI reportUri;
  private final int reportQueue;
  private final Duration reportDedupe;
  private final String serviceName;
  private final AgentLog.Format logFormat;
  private final boolean metricsJmx;
  private final boolean metricsGlobal;
  private final String policyPublicKey;
  private final String policyCache;

  private AgentOptions(Map<String, String> values) {
    this.values = values;
    this.policy = required(POLICY, "the path of the pin policy file, e.g. -javaagent:pin-agent.jar="
        + "policy=/etc/pins.yaml (or -Dpinagent.policy=..., or PINAGENT_POLICY=...)");
    this.metricsPort = port(METRICS_PORT);
    this.metricsHost = nonEmpty(METRICS_HOST, "127.0.0.1");
    this.policyReload = bool(POLICY_RELOAD, true);
    this.policyReloadInterval = duration(POLICY_RELOAD_INTERVAL, Duration.ofSeconds(10), MIN_RELOAD_INTERVAL);
    this.onPolicyError = choice(ON_POLICY_ERROR, OnPolicyError.class, OnPolicyError.FAIL);
    this.metricsJmx = bool(METRICS_JMX, false);
    this.metricsGlobal = bool(METRICS_GLOBAL, false);
    this.policyPublicKey = optional(POLICY_PUBLIC_KEY);
    this.policyCache = optional(POLICY_CACHE);
    checkPolicyLocation();
    if (onPolicyError == OnPolicyError.UNPINNED && !policyReload) {
      throw new IllegalArgumentException("on.policy.error=unpinned needs policy.reload=true: a service started "
          + "unpinned would otherwise stay unpinned until restarted");
    }
    this.inventoryFile = values.containsKey(INVENTORY_FILE) ? nonEmpty(INVENTORY_FILE, null) : null;
    this.inventoryMaxHosts = count(INVENTORY_MAX_HOSTS, 2_000, 1, MAX_INVENTORY_HOSTS);
    this.inventoryInterval = duration(INVENTORY_INTERVAL, Duration.ofSeconds(60), MIN_INVENTORY_INTERVAL);
    this.reportUri = httpUri(REPORT_URI);
    this.reportQueue = count(REPORT_QUEUE, 1000, 1, MAX_REPORT_QUEUE);
    this.reportDedupe = duration(REPORT_DEDUPE, Duration.ofHours(1), Duration.ZERO);
    this.serviceName = values.containsKey(SERVICE_NAME) ? nonEmpty(SERVICE_NAME, null) : null;
    this.logFormat = choice(LOG_FORMAT, AgentLog.Format.class, AgentLog.Format.TEXT);
  }

  /**
   * The log format of {@code agentArgs}, the properties and the environment, read leniently: for the lines printed
   * when the options themselves are invalid, so that a JSON log pipeline still gets those as JSON. Text when the
   * value cannot be found or read.
   */
  public static AgentLog.Format logFormatOf(String agentArgs, Properties systemProperties,
      Map<String, String> environment) {
    String value = environment.get(ENV_PREFIX + "LOG_FORMAT");
    value = systemProperties.getProperty(PROPERTY_PREFIX + LOG_FORMAT, value);
    if (agentArgs != null) {
      for (String pair : agentArgs.split(",")) {
        if (pair.trim().startsWith(LOG_FORMAT + "=")) {
          value = pair.substring(pair.indexOf('=') + 1);
        }
      }
    }
    return value != null && value.trim().equalsIgnoreCase("json") ? AgentLog.Format.JSON : AgentLog.Format.TEXT;
  }

  /**
   * Resolves the options.
   *
   * @param agentArgs the text after {@code =} in {@code -javaagent:}, possibly {@code null}
   * @throws IllegalArgumentException with a message saying which option is wrong and what is expected
   */
  public static AgentOptions resolve(String agentArgs, Properties systemProperties, Map<String, String> environment) {
    Map<String, String> values = new LinkedHashMap<>();
    for (Map.Entry<String, String> entry : environment.entrySet()) {
      if (entry.getKey().startsWith(ENV_PREFIX)) {
        values.put(keyOfEnvironmentVariable(entry.getKey()), entry.getValue());
      }
    }
    for (String name : systemProperties.stringPropertyNames()) {
      if (name.startsWith(PROPERTY_PREFIX)) {
        values.put(known(name.substring(PROPERTY_PREFIX.length()), "system property " + name),
            systemProperties.getProperty(name));
      }
    }
    values.putAll(parseAgentArgs(agentArgs));
    return new AgentOptions(values);
  }

  private String required(String key, String what) {
    String value = values.get(key);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("the option '" + key + "' is required: " + what);
    }
    return value.trim();
  }

  /**
   * Whether {@code lower} starts with a URL scheme and {@code ://} (RFC 3986: a letter, then letters, digits,
   * {@code + - .}). Not a regular expression: this runs in {@code premain}, where compiling one costs.
   */
  static boolean hasUrlScheme(String lower) {
    int end = lower.indexOf("://");
    if (end <= 0 || lower.charAt(0) < 'a' || lower.charAt(0) > 'z') {
      return false;
    }
    for (int i = 1; i < end; i++) {
      char c = lower.charAt(i);
      if (!(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.') {
        return false;
      }
    }
    return true;
  }

  /**
   * A policy server needs a signature ({@code policy.public-key}): transport security alone is not enough for a
   * file that decides what the whole fleet trusts. Plain {@code http://} only on the loopback interface (tests,
   * a local sidecar); any other scheme is an error, and so is a cache without a server.
   */
  private void checkPolicyLocation() {
    String lower = policy.toLowerCase(Locale.ROOT);
    boolean https = lower.startsWith("https://");
    boolean http = lower.startsWith("http://");
    if (!https && !http) {
      if (hasUrlScheme(lower)) {
        throw new IllegalArgumentException("the option 'policy' is '" + policy + "': a policy server is reached by "
            + "https:// (or http:// on the loopback interface); for a file give its path");
      }
      if (policyCache != null) {
        throw new IllegalArgumentException("the option 'policy.cache' keeps what a policy server served; policy="
            + policy + " is a file, which needs no cache");
      }
      return;
    }
    java.net.URI uri;
    try {
      uri = new java.net.URI(policy);
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException("the option 'policy' is not a valid URL: " + e.getMessage());
    }
    String host = uri.getHost();
    if (host == null) {
      throw new IllegalArgumentException("the option 'policy' is a URL without a host: '" + policy + "'");
    }
    if (http && !host.equals("127.0.0.1") && !host.equals("[::1]") && !host.equals("::1")
        && !host.equalsIgnoreCase("localhost")) {
      throw new IllegalArgumentException("the option 'policy' is '" + policy + "': plain http:// is allowed on the "
          + "loopback interface only (127.0.0.1, [::1], localhost); use https://");
    }
    if (policyPublicKey == null) {
      throw new IllegalArgumentException("policy=" + policy + " is served by a policy server, which needs "
          + "policy.public-key: transport security alone is not enough for a file that decides what the whole "
          + "fleet trusts; sign the policy (java -jar pin-agent.jar keygen, sign) and give every agent the public "
          + "key");
    }
  }

  /** The value of {@code key}, or {@code null} when it is not set; set but blank is an error. */
  private String optional(String key) {
    String value = values.get(key);
    if (value == null) {
      return null;
    }
    if (value.isBlank()) {
      throw new IllegalArgumentException("the option '" + key + "' must not be empty");
    }
    return value.trim();
  }

  private String nonEmpty(String key, String defaultValue) {
    String value = values.getOrDefault(key, defaultValue).trim();
    if (value.isEmpty()) {
      throw new IllegalArgumentException("the option '" + key + "' must not be empty");
    }
    return value;
  }

  private Integer port(String key) {
    String text = values.get(key);
    if (text == null) {
      return null;
    }
    int port;
    try {
      port = Integer.parseInt(text.trim());
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("the option '" + key + "' must be a port number from 0 to 65535, got '"
          + text + "'");
    }
    return port;
  }

  private int count(String key, int defaultValue, int minimum, int maximum) {
    String text = values.get(key);
    if (text == null) {
      return defaultValue;
    }
    long value;
    try {
      value = Long.parseLong(text.trim());
    } catch (NumberFormatException e) {
      value = Long.MIN_VALUE;
    }
    if (value < minimum || value > maximum) {
      throw new IllegalArgumentException("the option '" + key + "' must be a whole number from " + minimum + " to "
          + maximum + ", got '" + text + "'");
    }
    return (int) value;
  }

  /**
   * An absolute {@code http} or {@code https} URL with a host, or {@code null} when not given. Credentials in it
   * are refused: the URL is printed at start, and a report must not carry a secret anywhere.
   */
  private URI httpUri(String key) {
    String text = values.get(key);
    if (text == null) {
      return null;
    }
    String expected = "the option '" + key + "' must be an http or https URL such as "
        + "https://collector.example.com/pin-reports, got '" + text + "'";
    URI uri;
    try {
      uri = new URI(text.trim());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(expected + ": " + e.getMessage());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
      throw new IllegalArgumentException(expected);
    }
    if (uri.getRawUserInfo() != null) {
      throw new IllegalArgumentException("the option '" + key + "' holds a user name or password: reports are sent "
          + "without credentials; give the URL without them");
    }
    return uri;
  }

  private boolean bool(String key, boolean defaultValue) {
    String text = values.get(key);
    if (text == null) {
      return defaultValue;
    }
    switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "true":
        return true;
      case "false":
        return false;
      default:
        throw new IllegalArgumentException("the option '" + key + "' must be true or false, got '" + text + "'");
    }
  }

  private <E extends Enum<E>> E choice(String key, Class<E> type, E defaultValue) {
    String text = values.get(key);
    if (text == null) {
      return defaultValue;
    }
    StringBuilder expected = new StringBuilder();
    for (E constant : type.getEnumConstants()) {
      String id = constant.name().toLowerCase(Locale.ROOT);
      if (id.equals(text.trim().toLowerCase(Locale.ROOT))) {
        return constant;
      }
      expected.append(expected.length() == 0 ? "" : " or ").append(id);
    }
    throw new IllegalArgumentException("the option '" + key + "' must be " + expected + ", got '" + text + "'");
  }

  private Duration duration(String key, Duration defaultValue, Duration minimum) {
    String text = values.get(key);
    if (text == null) {
      return defaultValue;
    }
    Duration value = parseDuration(text);
    if (value == null) {
      throw new IllegalArgumentException("the option '" + key + "' must be a duration such as 500ms, 10s, 5m or "
          + "1h, got '" + text + "'");
    }
    if (value.compareTo(minimum) < 0) {
      throw new IllegalArgumentException("the option '" + key + "' is " + text.trim() + ", below its minimum of "
          + minimum.toMillis() + "ms");
    }
    return value;
  }

  /**
   * A whole number followed by {@code ms}, {@code s}, {@code m}, {@code h} or {@code d}, as Prometheus writes
   * durations (without combining units); {@code null} when {@code text} is not one.
   */
  static Duration parseDuration(String text) {
    String trimmed = text.trim().toLowerCase(Locale.ROOT);
    int digits = 0;
    // Twelve digits at most, so the number cannot overflow; ASCII digits only, unlike Character.isDigit.
    while (digits < trimmed.length() && digits < 12 && trimmed.charAt(digits) >= '0'
        && trimmed.charAt(digits) <= '9') {
      digits++;
    }
    if (digits == 0) {
      return null;
    }
    long amount = Long.parseLong(trimmed.substring(0, digits));
    switch (trimmed.substring(digits)) {
      case "ms":
        return Duration.ofMillis(amount);
      case "s":
        return Duration.ofSeconds(amount);
      case "m":
        return Duration.ofMinutes(amount);
      case "h":
        return Duration.ofHours(amount);
      case "d":
        return Duration.ofDays(amount);
      default:
        return null;
    }
  }

  static Map<String, String> parseAgentArgs(String agentArgs) {
    Map<String, String> values = new LinkedHashMap<>();
    if (agentArgs == null || agentArgs.isBlank()) {
      return values;
    }
    for (String pair : agentArgs.split(",")) {
      int equals = pair.indexOf('=');
      if (equals <= 0) {
        // A bare option name is what jcmd's JVMTI.agent_load passes on when the options are not quoted: it
        // splits its own arguments at '='.
        String jcmd = keys().contains(pair.trim()) ? " (from jcmd JVMTI.agent_load? quote the options for jcmd: "
            + "jcmd <pid> JVMTI.agent_load /opt/pin-agent.jar '\"policy=/etc/pins.yaml\"')" : "";
        throw new IllegalArgumentException("agent argument '" + pair
            + "' is not key=value; expected e.g. policy=/etc/pins.yaml,metrics.port=9464" + jcmd);
      }
      String key = known(pair.substring(0, equals).trim(), "agent argument");
      if (values.containsKey(key)) {
        throw new IllegalArgumentException("agent argument '" + key + "' is given twice");
      }
      String value = pair.substring(equals + 1);
      refuseOtherSeparators(key, value);
      values.put(key, value);
    }
    return values;
  }

  /**
   * A value holding {@code ;<known key>=} (or {@code &}, or a space) is two options joined by the wrong
   * separator: {@code policy=a.yaml;metrics.port=9464} would otherwise fail later as "no such file
   * a.yaml;metrics.port=9464", which hides the real mistake.
   */
  private static void refuseOtherSeparators(String key, String value) {
    for (String separator : List.of(";", "&", " ")) {
      for (String known : KEYS) {
        int at = value.indexOf(separator + known + "=");
        if (at >= 0) {
          throw new IllegalArgumentException("agent argument '" + key + "' is '" + value + "': separate agent "
              + "options with ',' not '" + separator + "', e.g. " + key + "=" + value.substring(0, at) + ","
              + value.substring(at + separator.length()));
        }
      }
    }
  }

  private static String keyOfEnvironmentVariable(String variable) {
    String raw = variable.substring(ENV_PREFIX.length());
    for (String key : KEYS) {
      // Dashes too: a shell cannot export a variable with one (PINAGENT_POLICY_PUBLIC_KEY for policy.public-key).
      if (key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_').equals(raw)) {
        return key;
      }
    }
    throw unknown(raw, "environment variable " + variable);
  }

  private static String known(String key, String where) {
    if (!KEYS.contains(key)) {
      throw unknown(key, where);
    }
    return key;
  }

  private static IllegalArgumentException unknown(String key, String where) {
    return new IllegalArgumentException(
        "unknown option '" + key + "' (" + where + "); known options: " + String.join(", ", KEYS));
  }

  /** Every option key the agent accepts, in the order of its documentation; unmodifiable. */
  public static List<String> keys() {
    return KEYS;
  }

  public String policy() {
    return policy;
  }

  /** The port of the metrics endpoint, or {@code null} when metrics are not served. */
  public Integer metricsPort() {
    return metricsPort;
  }

  public String metricsHost() {
    return metricsHost;
  }

  /** Whether the policy file is watched and a changed, valid version swapped in while the JVM runs. */
  public boolean policyReload() {
    return policyReload;
  }

  /** How often the policy file is looked at when {@link #policyReload()} is on. */
  public Duration policyReloadInterval() {
    return policyReloadInterval;
  }

  /**
   * The file of the public keys a policy must be signed with, or {@code null} when policies need no signature.
   */
  public String policyPublicKey() {
    return policyPublicKey;
  }

  /** The directory a served policy is kept in, for a restart while the server is down; {@code null} for none. */
  public String policyCache() {
    return policyCache;
  }

  public OnPolicyError onPolicyError() {
    return onPolicyError;
  }

  /** Where the inventory of observed TLS servers is kept, or {@code null} when none is recorded. */
  public String inventoryFile() {
    return inventoryFile;
  }

  /** Host:port entries the inventory holds; past it new ones are counted, not stored. */
  public int inventoryMaxHosts() {
    return inventoryMaxHosts;
  }

  /** How often the inventory file is written (and at JVM shutdown). */
  public Duration inventoryInterval() {
    return inventoryInterval;
  }

  /** Where violation reports are sent, or {@code null} when they are not. */
  public URI reportUri() {
    return reportUri;
  }

  /** Reports waiting to be sent at most; more are dropped (and counted). */
  public int reportQueue() {
    return reportQueue;
  }

  /** How long identical reports are held back after the first; zero sends every one. */
  public Duration reportDedupe() {
    return reportDedupe;
  }

  /** The {@code service} of reports, or {@code null} for the default (the main class or jar). */
  public String serviceName() {
    return serviceName;
  }

  public AgentLog.Format logFormat() {
    return logFormat;
  }

  /** Whether the meters are also registered as MBeans in the {@code dev.pinagent} JMX domain. */
  public boolean metricsJmx() {
    return metricsJmx;
  }

  /** Whether the meters also join the application's own Micrometer global registry when it has one. */
  public boolean metricsGlobal() {
    return metricsGlobal;
  }
}
