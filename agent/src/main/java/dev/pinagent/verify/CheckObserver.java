package dev.pinagent.verify;

import dev.pinagent.policy.PinSet;
import java.security.cert.X509Certificate;
import javax.net.ssl.X509TrustManager;

/**
 * Told of every chain the verifier checked for a named host, after the original trust manager accepted it: what
 * the inventory ({@code inventory.file}) records. Called on the handshake's thread, so an implementation must be
 * cheap and allocation-free for a chain it has seen, and must never throw (the verifier drops what it throws).
 */
public interface CheckObserver {
  /** Observes nothing. */
  CheckObserver NONE = (chain, serverName, peerHost, port, trustManager, set, result) -> { };

  /**
   * @param serverName the normalized SNI name, or {@code null}
   * @param peerHost the normalized peer host, or {@code null} (never both null)
   * @param set the pin-set that applied (the SNI name's first), or {@code null}
   * @param result the outcome, or {@code null} when the check refused the chain (enforce mode)
   */
  void checked(X509Certificate[] chain, String serverName, String peerHost, int port, X509TrustManager trustManager,
      PinSet set, CheckResult result);
}
