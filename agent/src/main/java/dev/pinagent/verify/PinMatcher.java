package dev.pinagent.verify;

import dev.pinagent.policy.Pin;
import dev.pinagent.policy.PinSet;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.X509TrustManager;

/**
 * Whether a chain satisfies one pin-set: the pure decision, shared by the agent's check and the jar's
 * {@code check --online} command.
 *
 * <p>The chain matches when some valid certification path through it, ending at an anchor of the trust
 * manager that accepted it, carries a pinned key (see {@link CertificationPath}): the JDK accepted the chain,
 * so a valid path exists; pinning asks whether one goes through a pinned key. The leaf's own key is on every
 * path, so a pinned leaf key matches without a path. When the pinned key is a CA's rather than the leaf's own,
 * the leaf must also name the host (see {@link HostIdentity}): otherwise any certificate that CA ever issued,
 * for any name, would pass.
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
    private final Pin pin;

    private Match(List<X509Certificate> path, String reason, Pin pin) {
      this.path = path;
      this.reason = reason;
      this.pin = pin;
    }

    static Match found(List<X509Certificate> path, Pin pin) {
      return new Match(path, null, pin);
    }

    static Match notFound(List<X509Certificate> path, String reason) {
      return new Match(path, reason, null);
    }

    public boolean matched() {
      return reason == null;
    }

    /**
     * The certification path, leaf first, ending with its trust anchor when one was found: the one that matched,
     * or for a mismatch the one the JDK would have validated.
     */
    public List<X509Certificate> path() {
      return path;
    }

    /** Why the chain does not match, or {@code null} when it does. */
    public String reason() {
      return reason;
    }

    /**
     * The pin that matched, or {@code null} for a mismatch: the pinned key nearest the leaf on the matching path
     * (the leaf's own when it is pinned), which is the one a rotation retires or keeps.
     */
    public Pin pin() {
      return pin;
    }
  }

  /**
   * Matches {@code chain} against {@code set}.
   *
   * @param hostNames the connection's normalized names (SNI name and/or peer host); the leaf must name one
   *     when the pinned key is a CA's
   * @param trustManager the trust manager that accepted the chain: its anchors end the paths
   */
  public Match match(X509Certificate[] chain, PinSet set, List<String> hostNames, X509TrustManager trustManager) {
    if (chain == null || chain.length == 0) {
      return Match.notFound(new ArrayList<>(), "the server sent no certificate");
    }
    X509Certificate leaf = chain[0];
    TrustAnchors anchors = TrustAnchors.of(trustManager);
    CertificationPath.Search search = CertificationPath.search(chain, anchors.certificates(), !anchors.named(),
        signatures);
    if (isPinned(leaf, set)) {
      return Match.found(search.shown(), spkiPins.of(leaf));
    }
    CertificationPath invalid = null;
    X509Certificate invalidPinned = null;
    CertificationPath unnamed = null;
    X509Certificate unnamedPinned = null;
    for (CertificationPath candidate : search.candidates()) {
      X509Certificate pinned = firstPinned(candidate, set);
      if (pinned == null) {
        continue;
      }
      if (!candidate.isValid()) {
        if (invalid == null) {
          invalid = candidate;
          invalidPinned = pinned;
        }
      } else if (namesAny(leaf, hostNames, candidate.anchor())) {
        return Match.found(candidate.withAnchor(), spkiPins.of(pinned));
      } else if (unnamed == null) {
        unnamed = candidate;
        unnamedPinned = pinned;
      }
    }
    if (unnamed != null) {
      return Match.notFound(unnamed.withAnchor(), "the pinned key " + describe(unnamedPinned)
          + " is on the path, but the leaf certificate does not name " + String.join(" or ", hostNames)
          + ", and a pinned CA vouches only for the names it certifies");
    }
    List<X509Certificate> shown = search.shown();
    if (invalid != null) {
      return Match.notFound(shown, "the pinned key " + describe(invalidPinned)
          + " is only on a certification path that is not valid (" + invalid + ": " + invalid.problem() + ")");
    }
    String reason = "no key on the certification path is pinned";
    if (!anchors.named() && !reachesATrustedAnchor(search)) {
      reason += unknownRootAdvice(shown);
    }
    return Match.notFound(shown, reason);
  }

  private static boolean reachesATrustedAnchor(CertificationPath.Search search) {
    for (CertificationPath candidate : search.candidates()) {
      if (!candidate.anchorSent()) {
        return true;
      }
    }
    return false;
  }

  /**
   * A trust manager that names no issuers hides the root: a pinned root can then match only if the JVM's
   * default trust store holds it. Says so, and what to pin instead (a trust-all manager gets the same advice,
   * which is why it is conditional: the chain may be an attacker's).
   */
  private String unknownRootAdvice(List<X509Certificate> shown) {
    X509Certificate top = shown.isEmpty() ? null : shown.get(shown.size() - 1);
    String instead = top == null ? "its own (leaf) key"
        : shown.size() > 1 ? "a CA certificate it sends, e.g. " + describe(top)
        : "its own (leaf) key, " + describe(top);
    return "; the trust manager that accepted the chain names no accepted issuers (getAcceptedIssuers() is "
        + "empty), so the root above the certificates the server sent could not be looked up (the JVM's default "
        + "trust store does not hold it): if this is your server, pin " + instead
        + ", or have the trust manager return its trust anchors";
  }

  private String describe(X509Certificate certificate) {
    return spkiPins.of(certificate) + " (" + Printable.subject(certificate) + ")";
  }

  private boolean isPinned(X509Certificate certificate, PinSet set) {
    return set.pins().contains(spkiPins.of(certificate));
  }

  private X509Certificate firstPinned(CertificationPath path, PinSet set) {
    for (X509Certificate certificate : path.certificates()) {
      if (isPinned(certificate, set)) {
        return certificate;
      }
    }
    return isPinned(path.anchor(), set) ? path.anchor() : null;
  }

  private static boolean namesAny(X509Certificate leaf, List<String> hostNames, X509Certificate anchor) {
    for (String host : hostNames) {
      if (HostIdentity.names(leaf, host, anchor)) {
        return true;
      }
    }
    return false;
  }
}
