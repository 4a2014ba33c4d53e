package dev.pinagent.verify;

import java.security.KeyStore;
import java.security.cert.X509Certificate;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The trust anchors a certification path may end at: those of the trust manager that accepted the chain. A
 * trust-all manager names no issuers, and then the JVM's default trust store stands in, so that a legacy
 * trust-all service still reaches its legitimately pinned partner (and only that one).
 *
 * <p>A validating trust manager may also name none (a hand-written one that delegates its checks and returns
 * an empty array): the bridge then passes the wrapped trust manager that really validated, when there is one.
 * When there is not, the default trust store is all there is, and a root it does not hold cannot be found;
 * the failure message says so.
 */
public final class TrustAnchors {
  private final X509Certificate[] certificates;
  private final boolean named;

  private TrustAnchors(X509Certificate[] certificates, boolean named) {
    this.certificates = certificates;
    this.named = named;
  }

  /** The anchors of {@code trustManager}, or the default trust store's when it names none. */
  public static TrustAnchors of(X509TrustManager trustManager) {
    X509Certificate[] accepted = trustManager == null ? null : trustManager.getAcceptedIssuers();
    if (accepted == null || accepted.length == 0) {
      return new TrustAnchors(DefaultTrustStore.CERTIFICATES, false);
    }
    return new TrustAnchors(accepted, true);
  }

  public X509Certificate[] certificates() {
    return certificates;
  }

  /** Whether the trust manager named these anchors itself (else they are the JVM's default trust store). */
  public boolean named() {
    return named;
  }

  /** Loaded on first use only: a trust manager that names its issuers never needs it. */
  private static final class DefaultTrustStore {
    static final X509Certificate[] CERTIFICATES = load();

    private static X509Certificate[] load() {
      try {
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init((KeyStore) null);
        for (TrustManager manager : factory.getTrustManagers()) {
          if (manager instanceof X509TrustManager) {
            return ((X509TrustManager) manager).getAcceptedIssuers();
          }
        }
      } catch (Exception e) {
        System.err.println("[pin-agent] WARNING: cannot read the JVM's default trust store; "
            + "checks through trust-all managers will see only the certificates the server sends: " + Printable.of(e));
      }
      return new X509Certificate[0];
    }
  }
}
