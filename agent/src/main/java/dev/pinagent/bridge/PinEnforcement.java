package dev.pinagent.bridge;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.X509TrustManager;

/**
 * The one door from instrumented code into the agent: check a chain, decide reuse, and report what wrapping did.
 * The reuse decisions default to the safe answer, "no": a refused reuse only costs a full, checked handshake.
 */
public interface PinEnforcement {
  /**
   * Checks a server chain that {@code trustManager} has already accepted.
   *
   * @param serverName the SNI name the client sent, or {@code null}
   * @param peerHost the host the connection was opened with, or {@code null} when unknown
   * @param port the peer port, or -1 when unknown
   * @throws CertificateException when the host is pinned in enforce mode and the chain does not match
   */
  void check(X509Certificate[] chain, String serverName, String peerHost, int port, X509TrustManager trustManager)
      throws CertificateException;

  /**
   * What the checks of this agent were made under: recorded on every session a full handshake checked, and
   * compared before the session is resumed. A session that carries another stamp, or none (made before the
   * agent, or checked under a policy since replaced), is never resumed.
   */
  default Object policyStamp() {
    return this;
  }

  /**
   * Whether a session checked for {@code checkedServerName} may be resumed on a connection to the same peer
   * for {@code requestedServerName}: only when no pin-set applies to either name or to the peer host, since
   * nothing would then be checked on a full handshake either. Names are as sent in SNI, {@code null} for none.
   */
  default boolean mayResumeAcrossNames(String checkedServerName, String requestedServerName, String peerHost) {
    return false;
  }

  /**
   * Whether a connection whose server sent {@code chain} (checked when it was made, for another host) may carry
   * requests for {@code host}: when no pin-set applies to {@code host}, or its pins hold over the chain. Records
   * nothing: a refused reuse is followed by a full handshake, which is checked and counted.
   */
  default boolean mayReuseConnection(X509Certificate[] chain, String host) {
    return false;
  }

  /** A trust manager was wrapped; {@code source} says which hook did it. */
  void wrapped(String source);

  /** Something the agent tried failed; {@code stage} says what. Must log and count, never throw. */
  void failed(String stage, Throwable error);
}
