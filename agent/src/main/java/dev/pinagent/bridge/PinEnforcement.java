package dev.pinagent.bridge;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.X509TrustManager;

/** The one door from instrumented code into the agent: check a chain, and report what wrapping did. */
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

  /** A trust manager was wrapped; {@code source} says which hook did it. */
  void wrapped(String source);

  /** Something the agent tried failed; {@code stage} says what. Must log and count, never throw. */
  void failed(String stage, Throwable error);
}
