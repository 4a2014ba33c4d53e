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
 * <p>A connection has up to two names: the SNI name it sent and the host it was opened with. The JDK's
 * identity check accepts a certificate for either, so a pin-set matching either applies (both, when they
 * match different sets).
 *
 * <p>The certification path is examined in two steps: first the certificates the server sent that chain up
 * from the leaf, then, only if none of those is pinned, the trust anchor that issued the top of the path.
 * Most policies pin the leaf's issuer, so the anchor lookup (a scan of the trust store) is rarely needed.
 * When the pinned key is a CA's rather than the leaf's own, the leaf must also name the host (see
 * {@link HostIdentity}): otherwise any certificate that CA ever issued, for any name, would pass.
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

  /** {@link #check(X509Certificate[], String, String, int, X509TrustManager)} for a connection with one name. */
  public CheckResult check(X509Certificate[] chain, String host, int port, X509TrustManager trustManager)
      throws CertificateException {
    return check(chain, null, host, port, trustManager);
  }

  /**
   * Checks {@code chain}; returns the outcome, or throws when the connection must fail.
   *
   * @param serverName the SNI name the client sent, or {@code null}
   * @param peerHost the host the connection was opened with, or {@code null}
   * @param trustManager the manager that accepted the chain, asked for trust anchors when needed
   */
  public CheckResult check(X509Certificate[] chain, String serverName, String peerHost, int port,
      X509TrustManager trustManager) throws CertificateException {
    String sni = HostName.normalizeConnectionHost(serverName);
    String peer = HostName.normalizeConnectionHost(peerHost);
    if (sni == null && peer == null) {
      return record(null, CheckResult.UNKNOWN_HOST);
    }
    PinSet bySni = sni == null ? null : policy.match(sni);
    PinSet byPeer = peer == null ? null : policy.match(peer);
    if (bySni == null && byPeer == null) {
      return record(null, CheckResult.UNPINNED);
    }
    Names names = new Names(sni, peer);
    CheckResult result = null;
    if (bySni != null) {
      result = checkSet(chain, bySni, sni, names, port, trustManager);
    }
    if (byPeer != null && byPeer != bySni) {
      CheckResult peerResult = checkSet(chain, byPeer, peer, names, port, trustManager);
      result = result == null || result == CheckResult.MATCH || result == CheckResult.EXPIRED ? peerResult : result;
    }
    return result;
  }

  private CheckResult checkSet(X509Certificate[] chain, PinSet set, String host, Names names, int port,
      X509TrustManager trustManager) throws CertificateException {
    if (set.isExpiredAt(clock.getAsLong())) {
      return record(set, CheckResult.EXPIRED);
    }
    try {
      Evaluation evaluation = evaluate(chain, set, names, trustManager);
      if (evaluation.reason == null) {
        return record(set, CheckResult.MATCH);
      }
      return violation(chain, evaluation, host, port, set);
    } catch (RuntimeException e) {
      record(set, CheckResult.ERROR);
      boolean blocked = set.mode() == Mode.ENFORCE;
      log.accept("[pin-agent] pin check error: host=" + host + " port=" + port + " pin_set=" + set.name()
          + " action=" + (blocked ? "blocked" : "allowed") + " error=" + e);
      if (blocked) {
        throw new CertificateException("Certificate pinning check failed for " + host + " (pin-set '"
            + set.name() + "'): " + e, e);
      }
      return CheckResult.ERROR;
    }
  }

  /** What the path holds: {@code reason} is null for a match, else why it is a mismatch. */
  private static final class Evaluation {
    final List<X509Certificate> path;
    final String reason;

    Evaluation(List<X509Certificate> path, String reason) {
      this.path = path;
      this.reason = reason;
    }
  }

  private Evaluation evaluate(X509Certificate[] chain, PinSet set, Names names, X509TrustManager trustManager) {
    List<X509Certificate> path = CertificationPath.fromLeaf(chain);
    if (path.isEmpty()) {
      return new Evaluation(path, "the server sent no certificate");
    }
    X509Certificate pinned = firstPinned(path, set);
    if (pinned == null) {
      X509Certificate anchor = TrustAnchors.issuerOf(path, trustManager);
      if (anchor != null) {
        path = new ArrayList<>(path);
        path.add(anchor);
        if (set.pins().contains(spkiPins.of(anchor))) {
          pinned = anchor;
        }
      }
    }
    if (pinned == null) {
      return new Evaluation(path, "no key on the certification path is pinned");
    }
    X509Certificate leaf = path.get(0);
    if (pinned != leaf && !names.namedBy(leaf)) {
      return new Evaluation(path, "the pinned key " + spkiPins.of(pinned) + " (" + subject(pinned)
          + ") is on the path, but the leaf certificate does not name " + names
          + ", and a pinned CA vouches only for the names it certifies");
    }
    return new Evaluation(path, null);
  }

  private X509Certificate firstPinned(List<X509Certificate> path, PinSet set) {
    for (X509Certificate certificate : path) {
      if (set.pins().contains(spkiPins.of(certificate))) {
        return certificate;
      }
    }
    return null;
  }

  private CheckResult violation(X509Certificate[] sent, Evaluation evaluation, String host, int port, PinSet set)
      throws CertificateException {
    record(set, CheckResult.MISMATCH);
    boolean blocked = set.mode() == Mode.ENFORCE;
    metrics.recordViolation(set, host, blocked);
    StringBuilder presented = new StringBuilder();
    for (X509Certificate certificate : evaluation.path) {
      presented.append(presented.length() == 0 ? "" : ",").append(spkiPins.of(certificate));
    }
    log.accept("[pin-agent] pin violation: host=" + host + " port=" + port + " pin_set=" + set.name()
        + " action=" + (blocked ? "blocked" : "reported") + " presented=" + presented);
    if (blocked) {
      throw new CertificateException(failureMessage(sent, evaluation, host, set));
    }
    return CheckResult.MISMATCH;
  }

  /** Lists what was presented and what was expected, so an operator can paste the right pin. */
  private String failureMessage(X509Certificate[] sent, Evaluation evaluation, String host, PinSet set) {
    StringBuilder message = new StringBuilder("Certificate pinning failure for host ").append(host)
        .append(" (pin-set '").append(set.name()).append("'): ").append(evaluation.reason).append('.')
        .append("\n  Certification path (leaf first):");
    for (X509Certificate certificate : evaluation.path) {
      message.append("\n    ").append(spkiPins.of(certificate)).append(": ").append(subject(certificate));
    }
    boolean headed = false;
    for (X509Certificate certificate : sent) {
      if (certificate != null && !evaluation.path.contains(certificate)) {
        if (!headed) {
          message.append("\n  Sent but not on the path from the leaf (never counted):");
          headed = true;
        }
        message.append("\n    ").append(spkiPins.of(certificate)).append(": ").append(subject(certificate));
      }
    }
    message.append("\n  Pinned keys for pin-set '").append(set.name()).append("':");
    for (Pin pin : set.pinList()) {
      message.append("\n    ").append(pin);
    }
    return message.toString();
  }

  private static String subject(X509Certificate certificate) {
    return certificate.getSubjectX500Principal().getName();
  }

  private CheckResult record(PinSet set, CheckResult result) {
    metrics.recordCheck(set, result);
    return result;
  }

  /** The one or two normalized names of a connection. */
  private static final class Names {
    private final String serverName;
    private final String peerHost;

    Names(String serverName, String peerHost) {
      this.serverName = serverName;
      this.peerHost = peerHost;
    }

    boolean namedBy(X509Certificate leaf) {
      return (serverName != null && HostIdentity.names(leaf, serverName))
          || (peerHost != null && HostIdentity.names(leaf, peerHost));
    }

    @Override
    public String toString() {
      return serverName == null || serverName.equals(peerHost) || peerHost == null
          ? (serverName != null ? serverName : peerHost)
          : serverName + " (or " + peerHost + ")";
    }
  }
}
