package dev.pinagent.verify;

import dev.pinagent.policy.PinSet;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.X509TrustManager;

/**
 * Whether a chain satisfies one pin-set: the pure decision, shared by the agent's check and the jar's
 * {@code check --online} command.
 *
 * <p>The certification path is examined in two steps: first the certificates the server sent that chain up
 * from the leaf, then, only if none of those is pinned, the trust anchor that issued the top of the path.
 * Most policies pin the leaf's issuer, so the anchor lookup (a scan of the trust store) is rarely needed.
 * When the pinned key is a CA's rather than the leaf's own, the leaf must also name the host (see
 * {@link HostIdentity}): otherwise any certificate that CA ever issued, for any name, would pass.
 */
public final class PinMatcher {
  private final SpkiPins spkiPins;
  private final SignatureCache signatures;

  public PinMatcher(SpkiPins spkiPins, SignatureCache signatures) {
    this.spkiPins = spkiPins;
    this.signatures = signatures;
  }

  /** The outcome for one chain and set. */
  public static final class Match {
    private final List<X509Certificate> path;
    private final String reason;

    Match(List<X509Certificate> path, String reason) {
      this.path = path;
      this.reason = reason;
    }

    public boolean matched() {
      return reason == null;
    }

    /** The certification path, leaf first, ending with the trust anchor when one was found. */
    public List<X509Certificate> path() {
      return path;
    }

    /** Why the chain does not match, or {@code null} when it does. */
    public String reason() {
      return reason;
    }
  }

  /**
   * Matches {@code chain} against {@code set}.
   *
   * @param hostNames the connection's normalized names (SNI name and/or peer host); the leaf must name one
   *     when the pinned key is a CA's
   * @param trustManager asked for the trust anchor when no certificate the server sent is pinned
   */
  public Match match(X509Certificate[] chain, PinSet set, List<String> hostNames, X509TrustManager trustManager) {
    List<X509Certificate> path = CertificationPath.fromLeaf(chain, signatures);
    if (path.isEmpty()) {
      return new Match(path, "the server sent no certificate");
    }
    X509Certificate pinned = firstPinned(path, set);
    if (pinned == null) {
      X509Certificate anchor = TrustAnchors.issuerOf(path, trustManager, signatures);
      if (anchor != null) {
        path = new ArrayList<>(path);
        path.add(anchor);
        if (set.pins().contains(spkiPins.of(anchor))) {
          pinned = anchor;
        }
      }
    }
    if (pinned == null) {
      return new Match(path, "no key on the certification path is pinned");
    }
    X509Certificate leaf = path.get(0);
    if (pinned != leaf && !namesAny(leaf, hostNames)) {
      return new Match(path, "the pinned key " + spkiPins.of(pinned) + " ("
          + Printable.subject(pinned) + ") is on the path, but the leaf certificate does not name "
          + String.join(" or ", hostNames) + ", and a pinned CA vouches only for the names it certifies");
    }
    return new Match(path, null);
  }

  private X509Certificate firstPinned(List<X509Certificate> path, PinSet set) {
    for (X509Certificate certificate : path) {
      if (set.pins().contains(spkiPins.of(certificate))) {
        return certificate;
      }
    }
    return null;
  }

  private static boolean namesAny(X509Certificate leaf, List<String> hostNames) {
    for (String host : hostNames) {
      if (HostIdentity.names(leaf, host)) {
        return true;
      }
    }
    return false;
  }
}
