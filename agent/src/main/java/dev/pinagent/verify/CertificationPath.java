package dev.pinagent.verify;

import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import javax.security.auth.x500.X500Principal;

/**
 * Builds the path a chain actually certifies, from the leaf up, by following signatures: each next
 * certificate must carry the issuer's name, verify the signature below it, be a CA allowed to sign
 * certificates and respect its path length. What the server sent but is not on that path never counts: that
 * is what defeats the chain-append attack (CVE-2016-2402), where a pinned CA certificate is simply added
 * after a forged chain.
 *
 * <p>The trust anchor ends the path. Servers rarely send it, so when the sent certificates run out the
 * anchor is looked up among the trust manager's accepted issuers (see {@link TrustAnchors}).
 */
public final class CertificationPath {
  /** Longer chains than this are not seen in practice and are cut off rather than walked. */
  public static final int MAX_DEPTH = 10;

  /** keyCertSign in the KeyUsage bit string; RFC 5280 section 4.2.1.3. */
  private static final int KEY_CERT_SIGN = 5;

  private CertificationPath() {}

  /**
   * The certificates of {@code sent} on the signature path from its first (leaf) certificate, leaf first.
   * The path stops at a self-issued certificate, at the depth limit, or where no sent certificate signed the
   * last one.
   */
  public static List<X509Certificate> fromLeaf(X509Certificate[] sent) {
    return fromLeaf(sent, SignatureCache.none());
  }

  /** {@link #fromLeaf(X509Certificate[])}, remembering verified signatures in {@code signatures}. */
  public static List<X509Certificate> fromLeaf(X509Certificate[] sent, SignatureCache signatures) {
    if (sent == null || sent.length == 0) {
      return Collections.emptyList();
    }
    List<X509Certificate> path = new ArrayList<>(Math.min(sent.length, MAX_DEPTH));
    boolean[] used = new boolean[sent.length];
    path.add(sent[0]);
    used[0] = true;
    X509Certificate current = sent[0];
    // A self-issued certificate ends the path: it is a root (whose own signature proves nothing about the
    // path below it) or a rare key-rollover certificate, where stopping early can only fail closed.
    while (path.size() < MAX_DEPTH && !isSelfIssued(current)) {
      int next = -1;
      for (int i = 1; i < sent.length && next < 0; i++) {
        if (!used[i] && isSigner(sent[i], current, intermediatesCounted(path), signatures)) {
          next = i;
        }
      }
      if (next < 0) {
        break;
      }
      used[next] = true;
      path.add(sent[next]);
      current = sent[next];
    }
    return path;
  }

  /**
   * Whether {@code anchor} issued the top of {@code path}: same name, valid signature. Trust anchors are
   * trusted by configuration, so their own extensions are not held against them (RFC 5280 section 6.1.1).
   * The caller has made sure the top is not itself self-issued (a root ends the path).
   */
  public static boolean anchorIssued(X509Certificate anchor, List<X509Certificate> path,
      SignatureCache signatures) {
    X509Certificate top = path.get(path.size() - 1);
    return anchor.getSubjectX500Principal().equals(top.getIssuerX500Principal()) && signatures.verifies(top, anchor);
  }

  /** Whether {@code candidate} is a CA that may sign {@code child} at this depth, and did. */
  static boolean isSigner(X509Certificate candidate, X509Certificate child, int intermediatesBelow,
      SignatureCache signatures) {
    if (!candidate.getSubjectX500Principal().equals(child.getIssuerX500Principal())) {
      return false;
    }
    int pathLength = candidate.getBasicConstraints();
    if (pathLength < 0 || pathLength < intermediatesBelow) {
      return false;
    }
    boolean[] keyUsage = candidate.getKeyUsage();
    if (keyUsage != null && (keyUsage.length <= KEY_CERT_SIGN || !keyUsage[KEY_CERT_SIGN])) {
      return false;
    }
    return isCurrentlyValid(candidate) && signatures.verifies(child, candidate);
  }

  /**
   * Why {@code candidate}, which carries the name of {@code child}'s issuer, is not on the path above it, in
   * words for an operator; {@code null} when it is. The rules of {@link #isSigner} for the leaf's issuer.
   */
  public static String whyNotIssuer(X509Certificate candidate, X509Certificate child) {
    if (!candidate.getSubjectX500Principal().equals(child.getIssuerX500Principal())) {
      return "it does not carry the name of the certificate's issuer";
    }
    if (candidate.getBasicConstraints() < 0) {
      return "it is not a CA certificate";
    }
    boolean[] keyUsage = candidate.getKeyUsage();
    if (keyUsage != null && (keyUsage.length <= KEY_CERT_SIGN || !keyUsage[KEY_CERT_SIGN])) {
      return "its key usage does not allow signing certificates";
    }
    String validity = validityProblem(candidate);
    if (validity != null) {
      return validity;
    }
    if (!SignatureCache.none().verifies(child, candidate)) {
      return "its key did not sign the certificate below it";
    }
    return null;
  }

  /** "expired on ..." or "is not valid before ..." for a certificate outside its validity now, else null. */
  public static String validityProblem(X509Certificate certificate) {
    try {
      certificate.checkValidity();
      return null;
    } catch (java.security.cert.CertificateExpiredException e) {
      return "expired on " + certificate.getNotAfter().toInstant();
    } catch (java.security.cert.CertificateNotYetValidException e) {
      return "is not valid before " + certificate.getNotBefore().toInstant();
    }
  }

  /**
   * An expired or not yet valid CA does not link. Servers still send stale cross-certificates (an old root's
   * signature on a new root), and the path the JDK validated went around them to a current anchor.
   */
  private static boolean isCurrentlyValid(X509Certificate certificate) {
    try {
      certificate.checkValidity();
      return true;
    } catch (java.security.cert.CertificateExpiredException
        | java.security.cert.CertificateNotYetValidException e) {
      return false;
    }
  }

  /** Intermediate CAs already on the path, not counting self-issued ones (RFC 5280 section 4.2.1.9). */
  private static int intermediatesCounted(List<X509Certificate> path) {
    int count = 0;
    for (int i = 1; i < path.size(); i++) {
      if (!isSelfIssued(path.get(i))) {
        count++;
      }
    }
    return count;
  }

  static boolean isSelfIssued(X509Certificate certificate) {
    X500Principal subject = certificate.getSubjectX500Principal();
    return subject.equals(certificate.getIssuerX500Principal());
  }
}
