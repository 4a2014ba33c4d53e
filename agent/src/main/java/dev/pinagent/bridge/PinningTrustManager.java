package dev.pinagent.bridge;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Wraps the trust manager a TLS client has chosen and adds the pin check after it. The original check always
 * runs first and its verdict stands in every mode: pinning can only refuse more, never accept what the JVM
 * would have refused. Client checks ({@code checkClientTrusted}) pass through unchanged.
 *
 * <p>The delegate is always an {@link X509ExtendedTrustManager}: for a plain {@code X509TrustManager} the JDK
 * first adds its own wrapper (endpoint identification, algorithm constraints), and only that is wrapped here,
 * so those checks are never lost.
 */
public final class PinningTrustManager extends X509ExtendedTrustManager {
  /**
   * The chain this thread is checking. When trust managers are nested (an application's manager delegating
   * to a factory's, each wrapped) only the outermost checks, so a handshake is counted once; the inner call
   * happens synchronously on the same thread, which is why a thread-local is sound here. It holds the chain,
   * not a flag: a trust manager that opens another TLS connection while checking (an OCSP or validation
   * service over HTTPS) must not have that other handshake's check skipped.
   */
  private static final ThreadLocal<X509Certificate[]> CHECKING = new ThreadLocal<>();

  private final X509ExtendedTrustManager delegate;
  private final PinEnforcement enforcement;

  PinningTrustManager(X509ExtendedTrustManager delegate, PinEnforcement enforcement) {
    this.delegate = delegate;
    this.enforcement = enforcement;
  }

  /** The wrapped trust manager. */
  public X509ExtendedTrustManager delegate() {
    return delegate;
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    X509Certificate[] outer = CHECKING.get();
    if (isNested(outer, chain)) {
      delegate.checkServerTrusted(chain, authType);
      return;
    }
    CHECKING.set(chain);
    try {
      delegate.checkServerTrusted(chain, authType);
      pin(chain, HandshakeEndpoint.unknown());
    } finally {
      restore(outer);
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    X509Certificate[] outer = CHECKING.get();
    if (isNested(outer, chain)) {
      delegate.checkServerTrusted(chain, authType, socket);
      return;
    }
    CHECKING.set(chain);
    try {
      delegate.checkServerTrusted(chain, authType, socket);
      pin(chain, HandshakeEndpoint.of(socket));
    } finally {
      restore(outer);
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    X509Certificate[] outer = CHECKING.get();
    if (isNested(outer, chain)) {
      delegate.checkServerTrusted(chain, authType, engine);
      return;
    }
    CHECKING.set(chain);
    try {
      delegate.checkServerTrusted(chain, authType, engine);
      pin(chain, HandshakeEndpoint.of(engine));
    } finally {
      restore(outer);
    }
  }

  /** Whether an outer wrapper on this thread is already checking this very chain. */
  private static boolean isNested(X509Certificate[] outer, X509Certificate[] chain) {
    return outer != null && (outer == chain || Arrays.equals(outer, chain));
  }

  /** Sets rather than removes: a thread's map entry is then reused, and a check allocates nothing here. */
  private static void restore(X509Certificate[] outer) {
    CHECKING.set(outer);
  }

  /**
   * Checks the pins, then marks the session being established as checked under the policy in force: only such a
   * session may later be resumed (see {@link SessionResumption}), since a resumption checks nothing.
   */
  private void pin(X509Certificate[] chain, HandshakeEndpoint endpoint) throws CertificateException {
    enforcement.check(chain, endpoint.serverName, endpoint.peerHost, endpoint.port, delegate);
    SessionResumption.recordChecked(endpoint.session, endpoint.serverName, enforcement);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    delegate.checkClientTrusted(chain, authType);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    delegate.checkClientTrusted(chain, authType, socket);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    delegate.checkClientTrusted(chain, authType, engine);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return delegate.getAcceptedIssuers();
  }

  @Override
  public String toString() {
    return "PinningTrustManager[" + delegate + "]";
  }
}
