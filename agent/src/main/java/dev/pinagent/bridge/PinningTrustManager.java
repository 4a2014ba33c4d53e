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
   *
   * <p>It also records the innermost wrapped manager that accepted the chain: the one that really validated
   * it. The outermost asks that one for trust anchors, because a hand-written manager that delegates its checks
   * commonly names no issuers of its own (an empty {@code getAcceptedIssuers()}), and the JVM's default trust
   * store is then a guess. One holder per thread, reused: a check allocates nothing here.
   */
  private static final ThreadLocal<Checking> CHECKING = ThreadLocal.withInitial(Checking::new);

  private static final class Checking {
    X509Certificate[] chain;
    X509ExtendedTrustManager validatedBy;
  }

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
    Checking checking = CHECKING.get();
    X509Certificate[] outerChain = checking.chain;
    X509ExtendedTrustManager outerValidatedBy = checking.validatedBy;
    if (isNested(outerChain, chain)) {
      delegate.checkServerTrusted(chain, authType);
      if (checking.validatedBy == null) {
        checking.validatedBy = delegate;
      }
      return;
    }
    checking.chain = chain;
    checking.validatedBy = null;
    try {
      delegate.checkServerTrusted(chain, authType);
      pin(chain, HandshakeEndpoint.unknown(), checking.validatedBy != null ? checking.validatedBy : delegate);
    } finally {
      checking.chain = outerChain;
      checking.validatedBy = outerValidatedBy;
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    Checking checking = CHECKING.get();
    X509Certificate[] outerChain = checking.chain;
    X509ExtendedTrustManager outerValidatedBy = checking.validatedBy;
    if (isNested(outerChain, chain)) {
      delegate.checkServerTrusted(chain, authType, socket);
      if (checking.validatedBy == null) {
        checking.validatedBy = delegate;
      }
      return;
    }
    checking.chain = chain;
    checking.validatedBy = null;
    try {
      delegate.checkServerTrusted(chain, authType, socket);
      pin(chain, HandshakeEndpoint.of(socket), checking.validatedBy != null ? checking.validatedBy : delegate);
    } finally {
      checking.chain = outerChain;
      checking.validatedBy = outerValidatedBy;
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    Checking checking = CHECKING.get();
    X509Certificate[] outerChain = checking.chain;
    X509ExtendedTrustManager outerValidatedBy = checking.validatedBy;
    if (isNested(outerChain, chain)) {
      delegate.checkServerTrusted(chain, authType, engine);
      if (checking.validatedBy == null) {
        checking.validatedBy = delegate;
      }
      return;
    }
    checking.chain = chain;
    checking.validatedBy = null;
    try {
      delegate.checkServerTrusted(chain, authType, engine);
      pin(chain, HandshakeEndpoint.of(engine), checking.validatedBy != null ? checking.validatedBy : delegate);
    } finally {
      checking.chain = outerChain;
      checking.validatedBy = outerValidatedBy;
    }
  }

  /** Whether an outer wrapper on this thread is already checking this very chain. */
  private static boolean isNested(X509Certificate[] outer, X509Certificate[] chain) {
    return outer != null && (outer == chain || Arrays.equals(outer, chain));
  }

  /**
   * Checks the pins, then marks the session being established as checked under the policy in force: only such a
   * session may later be resumed (see {@link SessionResumption}), since a resumption checks nothing. {@code
   * validatedBy}: the manager whose trust anchors count (see {@link #CHECKING}).
   */
  private void pin(X509Certificate[] chain, HandshakeEndpoint endpoint, X509ExtendedTrustManager validatedBy)
      throws CertificateException {
    enforcement.check(chain, endpoint.serverName, endpoint.peerHost, endpoint.port, validatedBy);
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
