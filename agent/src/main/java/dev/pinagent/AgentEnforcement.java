package dev.pinagent;

import dev.pinagent.bridge.PinEnforcement;
import dev.pinagent.log.AgentLog;
import dev.pinagent.metrics.PinCounters;
import dev.pinagent.verify.PinVerifier;
import dev.pinagent.verify.Printable;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import javax.net.ssl.X509TrustManager;

/**
 * Connects the bridge to the agent: checks go to the verifier, wrapping events to the counters and log. The
 * verifier (a policy with its matcher, caches and counters) is one immutable snapshot behind one volatile
 * reference: a reload replaces it whole, and each check reads it once, so every handshake is checked entirely
 * under the old policy or entirely under the new one.
 */
final class AgentEnforcement implements PinEnforcement {
  private volatile PinVerifier verifier;
  private final PinCounters counters;
  private final AgentLog log;
  private final Set<String> reportedStages = ConcurrentHashMap.newKeySet();

  AgentEnforcement(PinVerifier verifier, PinCounters counters, Consumer<String> log) {
    this(verifier, counters, AgentLog.text(log));
  }

  AgentEnforcement(PinVerifier verifier, PinCounters counters, AgentLog log) {
    this.verifier = verifier;
    this.counters = counters;
    this.log = log;
  }

  /** Puts {@code next} in force for every check from now on; checks already running finish under the old. */
  void replace(PinVerifier next) {
    verifier = next;
  }

  /** The verifier in force. */
  PinVerifier verifier() {
    return verifier;
  }

  /**
   * The verifier handles its own failures (failing closed where it must); anything that still escapes is a
   * bug, and fails this handshake closed rather than leaking another exception type into the application.
   */
  @Override
  public void check(X509Certificate[] chain, String serverName, String peerHost, int port,
      X509TrustManager trustManager) throws CertificateException {
    try {
      verifier.check(chain, serverName, peerHost, port, trustManager);
    } catch (RuntimeException e) {
      failed("check", e);
      throw new CertificateException("PinAgent could not check this certificate chain", e);
    }
  }

  @Override
  public Object policyStamp() {
    return verifier.policy();
  }

  @Override
  public boolean mayResumeAcrossNames(String checkedServerName, String requestedServerName, String peerHost) {
    return !verifier.pinsAnyOf(checkedServerName, requestedServerName, peerHost);
  }

  @Override
  public boolean mayReuseConnection(X509Certificate[] chain, String host) {
    return verifier.wouldAccept(chain, host);
  }

  @Override
  public void wrapped(String source) {
    counters.recordWrapped(source);
  }

  /** Counted every time, logged once per stage, so a failure repeated per connection does not flood stderr. */
  @Override
  public void failed(String stage, Throwable error) {
    try {
      counters.recordAgentError(stage);
      if (reportedStages.add(stage)) {
        String consequence = consequence(stage);
        String printable = Printable.of(error);
        log.log(AgentLog.Level.ERROR, "agent.error", "[pin-agent] ERROR: " + stage + " failed; " + consequence + ": "
            + printable, "stage", stage, "consequence", consequence, "error", printable);
      }
    } catch (Throwable ignored) {
      // Reporting must never throw into the host application.
    }
  }

  /**
   * What a failure of {@code stage} means for the service, so an operator knows whether to act at once (a
   * pinning gap) or not (the metrics endpoint). The stage names are those of the {@code stage} tag.
   */
  private static String consequence(String stage) {
    String metric = " (see tls_pin_agent_errors_total)";
    if (stage.equals("metrics_endpoint")) {
      // Not "see the metric": the endpoint that would serve it is what failed.
      return "the metrics endpoint is not serving; pinning is unaffected";
    }
    if (stage.equals("inventory")) {
      return "the inventory (inventory.file) may not be up to date; pinning is unaffected" + metric;
    }
    if (stage.equals("check")) {
      return "the handshake was refused, as is every handshake the agent cannot check" + metric;
    }
    if (stage.startsWith("instrument:")) {
      return stage.substring("instrument:".length()) + " is not hooked: connections through it may NOT be pinned"
          + metric;
    }
    if (stage.equals("resumption") || stage.equals("reuse")) {
      return "a cached TLS session or connection could not be checked, so it is not reused: full, checked handshakes "
          + "instead" + metric;
    }
    if (stage.equals("metrics_jmx") || stage.equals("metrics_global")) {
      return "the meters are not exported there (" + (stage.equals("metrics_jmx") ? "metrics.jmx" : "metrics.global")
          + "); pinning is unaffected" + metric;
    }
    if (stage.equals("policy_reload")) {
      return "the policy source could not be looked at; the policy in force stays until the next look" + metric;
    }
    if (stage.startsWith("wrap:")) {
      return "a trust manager from " + stage.substring("wrap:".length())
          + " was left unwrapped: connections through it may NOT be pinned" + metric;
    }
    return "connections it concerns may NOT be pinned" + metric;
  }
}
