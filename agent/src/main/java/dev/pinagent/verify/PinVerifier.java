package dev.pinagent.verify;

import dev.pinagent.metrics.PinMetrics;
import dev.pinagent.policy.HostName;
import dev.pinagent.policy.Mode;
import dev.pinagent.policy.Pin;
import dev.pinagent.policy.PinSet;
import dev.pinagent.policy.Policy;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import javax.net.ssl.X509TrustManager;

/**
 * Checks one server chain (already accepted by the original trust manager) against the policy, counts the
 * outcome and, for a mismatch, logs it and, in enforce mode, fails the handshake.
 *
 * <p>The certification path is examined in two steps: first the certificates the server sent that chain up
 * from the leaf, then, only if none of those is pinned, the trust anchor that issued the top of the path.
 * Most policies pin the leaf's issuer, so the anchor lookup (a scan of the trust store) is rarely needed.
 *
 * <p>An exception inside the check itself (a certificate it cannot read) fails closed for a pinned host in
 * enforce mode and lets the original decision stand otherwise; either way it is counted as {@code error}.
 */
public final class PinVerifier {
  private final Policy policy;
  private final PinMetrics metrics;
  private final SpkiPins spkiPins;
  private final Consumer<String> log;
  private final LongSupplier clock;

  public PinVerifier(Policy policy, PinMetrics metrics, SpkiPins spkiPins, Consumer<String> log, LongSupplier clock) {
    this.policy = policy;
    this.metrics = metrics;
    this.spkiPins = spkiPins;
    this.log = log;
    this.clock = clock;
  }

  /**
   * Checks {@code chain} for {@code host}; returns the outcome, or throws when the connection must fail.
   *
   * @param trustManager the manager that accepted the chain, asked for trust anchors when needed
   */
  public CheckResult check(X509Certificate[] chain, String host, int port, X509TrustManager trustManager)
      throws CertificateException {
    if (host == null) {
      return record(null, CheckResult.UNKNOWN_HOST);
    }
    String normalized = HostName.normalizeOrNull(host);
    PinSet set = normalized == null ? null : policy.match(normalized);
    if (set == null) {
      return record(null, CheckResult.UNPINNED);
    }
    if (set.isExpiredAt(clock.getAsLong())) {
      return record(set, CheckResult.EXPIRED);
    }
    List<X509Certificate> path;
    try {
      path = CertificationPath.fromLeaf(chain);
      if (anyPinned(path, set)) {
        return record(set, CheckResult.MATCH);
      }
      X509Certificate anchor = path.isEmpty() ? null : TrustAnchors.issuerOf(path, trustManager);
      if (anchor != null) {
        path = new ArrayList<>(path);
        path.add(anchor);
        if (set.pins().contains(spkiPins.of(anchor))) {
          return record(set, CheckResult.MATCH);
        }
      }
    } catch (RuntimeException e) {
      record(set, CheckResult.ERROR);
      boolean blocked = set.mode() == Mode.ENFORCE;
      log.accept("[pin-agent] pin check error: host=" + normalized + " port=" + port + " pin_set=" + set.name()
          + " action=" + (blocked ? "blocked" : "allowed") + " error=" + e);
      if (blocked) {
        throw new CertificateException("Certificate pinning check failed for " + normalized + " (pin-set '"
            + set.name() + "'): " + e, e);
      }
      return CheckResult.ERROR;
    }
    return violation(chain, path, normalized, port, set);
  }

  private boolean anyPinned(List<X509Certificate> path, PinSet set) {
    for (X509Certificate certificate : path) {
      if (set.pins().contains(spkiPins.of(certificate))) {
        return true;
      }
    }
    return false;
  }

  private CheckResult violation(X509Certificate[] sent, List<X509Certificate> path, String host, int port,
      PinSet set) throws CertificateException {
    record(set, CheckResult.MISMATCH);
    boolean blocked = set.mode() == Mode.ENFORCE;
    metrics.recordViolation(set, host, blocked);
    StringBuilder presented = new StringBuilder();
    for (X509Certificate certificate : path) {
      presented.append(presented.length() == 0 ? "" : ",").append(spkiPins.of(certificate));
    }
    log.accept("[pin-agent] pin violation: host=" + host + " port=" + port + " pin_set=" + set.name()
        + " action=" + (blocked ? "blocked" : "reported") + " presented=" + presented);
    if (blocked) {
      throw new CertificateException(failureMessage(sent, path, host, set));
    }
    return CheckResult.MISMATCH;
  }

  /** Lists what was presented and what was expected, so an operator can paste the right pin. */
  private String failureMessage(X509Certificate[] sent, List<X509Certificate> path, String host, PinSet set) {
    StringBuilder message = new StringBuilder("Certificate pinning failure for host ").append(host)
        .append(" (pin-set '").append(set.name()).append("')!")
        .append("\n  Certification path (leaf first):");
    for (X509Certificate certificate : path) {
      message.append("\n    ").append(spkiPins.of(certificate)).append(": ")
          .append(certificate.getSubjectX500Principal().getName());
    }
    boolean headed = false;
    for (X509Certificate certificate : sent) {
      if (!path.contains(certificate)) {
        if (!headed) {
          message.append("\n  Sent but not on the path from the leaf (never counted):");
          headed = true;
        }
        message.append("\n    ").append(spkiPins.of(certificate)).append(": ")
            .append(certificate.getSubjectX500Principal().getName());
      }
    }
    message.append("\n  Pinned keys for pin-set '").append(set.name()).append("':");
    for (Pin pin : set.pinList()) {
      message.append("\n    ").append(pin);
    }
    return message.toString();
  }

  private CheckResult record(PinSet set, CheckResult result) {
    metrics.recordCheck(set, result);
    return result;
  }
}
