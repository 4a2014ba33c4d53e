package dev.pinagent;

import dev.pinagent.bridge.PinEnforcement;
import dev.pinagent.metrics.PinCounters;
import dev.pinagent.verify.PinVerifier;
import dev.pinagent.verify.Printable;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.X509TrustManager;

/** Connects the bridge to the agent: checks go to the verifier, wrapping events to the counters and log. */
final class AgentEnforcement implements PinEnforcement {
  private final PinVerifier verifier;
  private final PinCounters counters;
  private final Set<String> reportedStages = ConcurrentHashMap.newKeySet();

  AgentEnforcement(PinVerifier verifier, PinCounters counters) {
    this.verifier = verifier;
    this.counters = counters;
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
  public void wrapped(String source) {
    counters.recordWrapped(source);
  }

  /** Counted every time, logged once per stage, so a failure repeated per connection does not flood stderr. */
  @Override
  public void failed(String stage, Throwable error) {
    try {
      counters.recordAgentError(stage);
      if (reportedStages.add(stage)) {
        System.err.println("[pin-agent] ERROR: " + stage + " failed; connections it concerns may NOT be pinned "
            + "(see tls_pin_agent_errors_total): " + Printable.of(error));
      }
    } catch (Throwable ignored) {
      // Reporting must never throw into the host application.
    }
  }
}
