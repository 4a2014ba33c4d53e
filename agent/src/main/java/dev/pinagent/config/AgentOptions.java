package dev.pinagent.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * The agent's options. Each comes from, in order of precedence: the agent argument
 * ({@code -javaagent:pin-agent.jar=policy=/etc/pins.yaml,metrics.port=9464}), a system property
 * {@code pinagent.<key>}, or an environment variable {@code PINAGENT_<KEY>} (upper case, dots as
 * underscores) — the same layering as the OpenTelemetry agent, so a fleet can set defaults in the
 * environment and a single service override them. An unknown key is an error wherever it appears: a
 * misspelt {@code polcy=} must not start the service unpinned.
 */
public final class AgentOptions {
  public static final String POLICY = "policy";
  public static final String METRICS_PORT = "metrics.port";
  public static final String METRICS_HOST = "metrics.host";

  private static final List<String> KEYS = List.of(POLICY, METRICS_PORT, METRICS_HOST);
  private static final String PROPERTY_PREFIX = "pinagent.";
  private static final String ENV_PREFIX = "PINAGENT_";

  private final String policy;
  private final Integer metricsPort;
  private final String metricsHost;

  private AgentOptions(String policy, Integer metricsPort, String metricsHost) {
    this.policy = policy;
    this.metricsPort = metricsPort;
    this.metricsHost = metricsHost;
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

    String policy = values.get(POLICY);
    if (policy == null || policy.isBlank()) {
      throw new IllegalArgumentException("the option 'policy' is required: the path of the pin policy file, e.g. "
          + "-javaagent:pin-agent.jar=policy=/etc/pins.yaml (or -Dpinagent.policy=..., or PINAGENT_POLICY=...)");
    }
    Integer port = null;
    String portText = values.get(METRICS_PORT);
    if (portText != null) {
      try {
        port = Integer.parseInt(portText.trim());
      } catch (NumberFormatException e) {
        port = -1;
      }
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException(
            "the option 'metrics.port' must be a port number from 0 to 65535, got '" + portText + "'");
      }
    }
    String host = values.getOrDefault(METRICS_HOST, "127.0.0.1").trim();
    if (host.isEmpty()) {
      throw new IllegalArgumentException("the option 'metrics.host' must not be empty");
    }
    return new AgentOptions(policy.trim(), port, host);
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
      if (key.toUpperCase(Locale.ROOT).replace('.', '_').equals(raw)) {
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
}
