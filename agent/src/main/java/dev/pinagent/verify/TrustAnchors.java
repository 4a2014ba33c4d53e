package dev.pinagent.verify;

import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * Finds the trust anchor that ends a certification path. It comes from the trust manager that accepted the
 * chain; a trust-all manager names no issuers, and then the JVM's default trust store stands in, so that a
 * legacy trust-all service still reaches its legitimately pinned partner (and only that one).
 */
public final class TrustAnchors {
  private TrustAnchors() {}

  /** The anchor that issued the top of {@code path}, or {@code null} when none did. */
  public static X509Certificate issuerOf(List<X509Certificate> path, X509TrustManager trustManager) {
    return issuerOf(path, trustManager, SignatureCache.none());
  }

  /** {@link #issuerOf(List, X509TrustManager)}, remembering verified signatures in {@code signatures}. */
  public static X509Certificate issuerOf(List<X509Certificate> path, X509TrustManager trustManager,
      SignatureCache signatures) {
    if (path.isEmpty() || CertificationPath.isSelfIssued(path.get(path.size() - 1))) {
      return null;
    }
    X509Certificate[] accepted = trustManager == null ? null : trustManager.getAcceptedIssuers();
    if (accepted == null || accepted.length == 0) {
      accepted = DefaultTrustStore.CERTIFICATES;
    }
    for (X509Certificate anchor : accepted) {
      if (anchor != null && CertificationPath.anchorIssued(anchor, path, signatures)) {
        return anchor;
      }
    }
    return null;
  }

  /** Loaded on first use only: most checks match a pin before an anchor is ever needed. */
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
