package dev.pinagent;

import dev.pinagent.bridge.TrustManagerWrapping;
import dev.pinagent.config.AgentOptions;
import dev.pinagent.instrumentation.HookInstaller;
import dev.pinagent.metrics.PinCounters;
import dev.pinagent.metrics.PrometheusExport;
import dev.pinagent.policy.Policy;
import dev.pinagent.policy.PolicyException;
import dev.pinagent.policy.PolicyLint;
import dev.pinagent.policy.yaml.PolicyLoader;
import dev.pinagent.verify.PinVerifier;
import dev.pinagent.verify.Printable;
import dev.pinagent.verify.SpkiPins;
import java.lang.instrument.Instrumentation;
import java.nio.file.Paths;

/**
 * Wires the agent together, in the order safety needs: options and policy are validated first (a bad policy
 * stops here, before anything is hooked); hooks are installed synchronously, so no TLS client can be created
 * unpinned in between; only the metrics export, which can wait, starts on a daemon thread.
 */
final class AgentStartup {
  /** Distinct host values kept in the violations metric before the rest are counted as {@code other}. */
  static final int MAX_VIOLATION_HOSTS = 100;

  /** Lint warnings of one kind printed in full at start; the rest are counted in one line. */
  static final int WARNINGS_PER_KIND = 10;

  /** Certificates whose SPKI pin is remembered. */
  static final int SPKI_CACHE_SIZE = 4096;

  private AgentStartup() {}

  /** A configuration the agent must refuse to run with. */
  static final class ConfigurationException extends Exception {
    private static final long serialVersionUID = 1L;

    ConfigurationException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  static void start(String agentArgs, Instrumentation instrumentation) throws ConfigurationException {
    AgentOptions options;
    Policy policy;
    try {
      options = AgentOptions.resolve(agentArgs, System.getProperties(), System.getenv());
    } catch (IllegalArgumentException e) {
      throw new ConfigurationException("invalid agent options: " + e.getMessage(), e);
    }
    try {
      policy = PolicyLoader.load(Paths.get(options.policy()));
    } catch (PolicyException e) {
      throw new ConfigurationException("invalid pin policy: " + e.getMessage(), e);
    } catch (RuntimeException | Error e) {
      // Whatever else goes wrong before anything is hooked (an illegal path, a JVM short of memory) must
      // still stop the JVM: the alternative is a service running unpinned that was meant to be pinned.
      throw new ConfigurationException("cannot load the pin policy " + options.policy() + ": " + e, e);
    }

    PinCounters counters = new PinCounters(policy, MAX_VIOLATION_HOSTS);
    counters.recordPolicyLoad(true);
    PinVerifier verifier = new PinVerifier(policy, counters, new SpkiPins(SPKI_CACHE_SIZE),
        System.err::println, System::currentTimeMillis);
    AgentEnforcement enforcement = new AgentEnforcement(verifier, counters);

    TrustManagerWrapping.install(enforcement);
    HookInstaller.install(instrumentation, enforcement);

    String file = Printable.of(options.policy());
    System.err.println("[pin-agent] pinning " + policy.pinSets().size() + " pin-set(s) from " + file
        + " (default mode " + policy.defaultMode().id() + ")");
    for (String warning : PolicyLint.summarized(PolicyLint.lint(policy, System.currentTimeMillis()),
        WARNINGS_PER_KIND, "run java -jar pin-agent.jar check " + options.policy() + " --all to see them all")) {
      System.err.println("[pin-agent] WARNING: " + file + ": " + Printable.of(warning));
    }
    if (options.metricsPort() != null) {
      PrometheusExport.startInBackground(options.metricsHost(), options.metricsPort(), counters,
          url -> System.err.println("[pin-agent] serving metrics at " + url),
          error -> enforcement.failed("metrics_endpoint", error));
    }
  }
}
