package dev.pinagent.verify;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import javax.security.auth.x500.X500Principal;

/**
 * One certification path through a server's chain: certificates the server sent, leaf first, linked by name
 * and signature, ending at a trust anchor. A pinned key counts only on a path that is itself valid, so every
 * candidate is held to the JDK's own PKIX validation ({@link CertPathValidator}, revocation off) before its
 * keys count; the matcher keeps looking, candidate after candidate, until a valid one goes through a pinned
 * key.
 *
 * <p>Why every candidate, and not the first path found: a server may send several certificates for the same
 * CA (cross-certificates, a renewed intermediate, a key-rollover certificate). The JDK validated one route
 * through them; a route that reaches a pinned key may be another one, and may be invalid (a name-constrained
 * sub-CA whose key the attacker also had cross-certified elsewhere: the JDK went around the constraint, a
 * first-found path would walk right through it). What the server sent but lies on no valid path never
 * counts: that is what defeats the chain-append attack (CVE-2016-2402).
 *
 * <p>The anchors are those of the trust manager that accepted the chain, or of the JVM's default trust store
 * when it names none (see {@link TrustAnchors}). A certificate the server sent with an anchor's name and key
 * ends the path there, as in the JDK. Behind a trust manager that names no issuers (a trust-all one) nothing
 * was validated and the root may be unknown, so the top certificate of each sent path may also serve as the
 * anchor: only what lies below it is then proven, and its own CA bit, key usage, path length, validity and
 * name constraints are checked here (its policy constraints are not: PKIX has no door for them on an
 * anchor, and such a service trusted anything before it was pinned).
 */
public final class CertificationPath {
  /** Sent certificates on one path, leaf included; the JDK's own limit for a server chain is 10 too. */
  public static final int MAX_DEPTH = 10;

  /** Certificates visited while searching; bounds the work a crafted chain (many same-name CAs) can cause. */
  static final int MAX_VISITS = 64;

  /** keyCertSign in the KeyUsage bit string; RFC 5280 section 4.2.1.3. */
  private static final int KEY_CERT_SIGN = 5;

  private static final String NAME_CONSTRAINTS_OID = "2.5.29.30";

  private final List<X509Certificate> certificates;
  private final X509Certificate anchor;
  private final boolean anchorSent;
  private String problem;
  private boolean validated;

  private CertificationPath(List<X509Certificate> certificates, X509Certificate anchor, boolean anchorSent) {
    this.certificates = Collections.unmodifiableList(new ArrayList<>(certificates));
    this.anchor = anchor;
    this.anchorSent = anchorSent;
  }

  /** The sent certificates of the path, leaf first, without the anchor. */
  public List<X509Certificate> certificates() {
    return certificates;
  }

  /** The trust anchor that ends the path. */
  public X509Certificate anchor() {
    return anchor;
  }

  /** Whether the anchor is a certificate the server sent, standing in for a root no trust store named. */
  public boolean anchorSent() {
    return anchorSent;
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

  /** The whole path, leaf first, the anchor last. */
  public List<X509Certificate> withAnchor() {
    List<X509Certificate> all = new ArrayList<>(certificates.size() + 1);
    all.addAll(certificates);
    all.add(anchor);
    return all;
  }

  /** Why the path is not valid, or {@code null} when it is; worked out once, on first call. */
  public String problem() {
    if (!validated) {
      problem = validate();
      validated = true;
    }
    return problem;
  }

  public boolean isValid() {
    return problem() == null;
  }

  private String validate() {
    try {
      PKIXParameters parameters = new PKIXParameters(Collections.singleton(new TrustAnchor(anchor, null)));
      parameters.setRevocationEnabled(false);
      CertPathValidator.getInstance("PKIX").validate(
          CertificateFactory.getInstance("X.509").generateCertPath(certificates), parameters);
    } catch (CertPathValidatorException e) {
      int index = e.getIndex();
      return (index >= 0 && index < certificates.size()
          ? "at " + Printable.subject(certificates.get(index)) + ": " : "") + Printable.of(e.getMessage());
    } catch (GeneralSecurityException e) {
      return e.toString();
    }
    return anchorSent ? sentAnchorProblem() : null;
  }

  /**
   * PKIX trusts its anchor as configured and checks nothing about it; a sent certificate standing in for one
   * is a CA the server merely claims, so what PKIX would check of an intermediate is checked here.
   */
  private String sentAnchorProblem() {
    String name = Printable.subject(anchor);
    int pathLength = anchor.getBasicConstraints();
    if (pathLength < 0) {
      return name + " is not a CA certificate";
    }
    boolean[] keyUsage = anchor.getKeyUsage();
    if (keyUsage != null && (keyUsage.length <= KEY_CERT_SIGN || !keyUsage[KEY_CERT_SIGN])) {
      return name + " may not sign certificates (key usage)";
    }
    if (pathLength < intermediatesBelow()) {
      return name + " allows " + pathLength + " CA certificate(s) below it (path length), the path has "
          + intermediatesBelow();
    }
    try {
      anchor.checkValidity();
    } catch (CertificateExpiredException | CertificateNotYetValidException e) {
      return name + " is not valid now: " + e.getMessage();
    }
    return nameConstraintsProblem();
  }

  /**
   * The JDK's PKIX refuses name constraints on an anchor ("not supported"), so the stand-in's are applied with
   * {@link X509CertSelector}, which matches names against constraints by the same JDK code the validator uses.
   * As in RFC 5280 section 6.1.3, they bind the leaf and every CA below the anchor that is not self-issued.
   */
  private String nameConstraintsProblem() {
    byte[] nameConstraints = anchor.getExtensionValue(NAME_CONSTRAINTS_OID);
    if (nameConstraints == null) {
      return null;
    }
    X509CertSelector selector = new X509CertSelector();
    try {
      selector.setNameConstraints(derValueOf(nameConstraints));
    } catch (IOException | IllegalArgumentException e) {
      return Printable.subject(anchor) + " has unreadable name constraints: " + e;
    }
    for (int i = 0; i < certificates.size(); i++) {
      X509Certificate certificate = certificates.get(i);
      if ((i == 0 || !isSelfIssued(certificate)) && !selector.match(certificate)) {
        return "the name constraints of " + Printable.subject(anchor) + " do not permit "
            + Printable.subject(certificate);
      }
    }
    return null;
  }

  /** CA certificates between the leaf and the anchor, not counting self-issued ones (RFC 5280 4.2.1.9). */
  private int intermediatesBelow() {
    int count = 0;
    for (int i = 1; i < certificates.size(); i++) {
      if (!isSelfIssued(certificates.get(i))) {
        count++;
      }
    }
    return count;
  }

  /** The content of a DER OCTET STRING: {@code getExtensionValue} wraps each extension's value in one. */
  static byte[] derValueOf(byte[] octetString) throws IOException {
    if (octetString.length < 2 || octetString[0] != 0x04) {
      throw new IOException("not an OCTET STRING");
    }
    int length = octetString[1] & 0xff;
    int offset = 2;
    if (length > 0x80 && length <= 0x84) {
      int lengthBytes = length & 0x7f;
      length = 0;
      for (int i = 0; i < lengthBytes && offset < octetString.length; i++) {
        length = (length << 8) | (octetString[offset++] & 0xff);
      }
    }
    if (length < 0 || offset + length != octetString.length) {
      throw new IOException("bad OCTET STRING length");
    }
    byte[] value = new byte[length];
    System.arraycopy(octetString, offset, value, 0, length);
    return value;
  }

  @Override
  public String toString() {
    StringBuilder text = new StringBuilder();
    for (X509Certificate certificate : withAnchor()) {
      text.append(text.length() == 0 ? "" : " <- ").append(Printable.subject(certificate));
    }
    return text.toString();
  }

  /** The candidate paths through a chain, and what to show when there is none. */
  public static final class Search {
    private final List<CertificationPath> candidates;
    private final List<X509Certificate> firstBranch;

    Search(List<CertificationPath> candidates, List<X509Certificate> firstBranch) {
      this.candidates = Collections.unmodifiableList(candidates);
      this.firstBranch = Collections.unmodifiableList(firstBranch);
    }

    /** Every path from the leaf to an anchor, in search order (the sent order, shorter routes first). */
    public List<CertificationPath> candidates() {
      return candidates;
    }

    /**
     * The path to show an operator: the first valid candidate (what the JDK would have validated), else the
     * first candidate, else the certificates linked from the leaf by signatures until no anchor or sent
     * certificate continues them.
     */
    public List<X509Certificate> shown() {
      for (CertificationPath candidate : candidates) {
        if (candidate.isValid()) {
          return candidate.withAnchor();
        }
      }
      return candidates.isEmpty() ? firstBranch : candidates.get(0).withAnchor();
    }
  }

  /**
   * Searches {@code sent} for paths from its first (leaf) certificate to one of {@code anchors}, depth first,
   * each sent certificate at most once per path, at most {@link #MAX_DEPTH} deep and {@link #MAX_VISITS}
   * certificates visited in all. Nothing is validated yet: see {@link #problem()}.
   *
   * @param sentTopMayAnchor whether the top of each sent path may stand in as its anchor (the trust manager
   *     named no issuers, so the root may be unknown)
   */
  public static Search search(X509Certificate[] sent, X509Certificate[] anchors, boolean sentTopMayAnchor,
      SignatureCache signatures) {
    if (sent == null || sent.length == 0) {
      return new Search(new ArrayList<>(), new ArrayList<>());
    }
    Searcher searcher = new Searcher(sent, anchors, sentTopMayAnchor, signatures);
    List<X509Certificate> path = new ArrayList<>(Math.min(sent.length, MAX_DEPTH));
    path.add(sent[0]);
    searcher.used[0] = true;
    searcher.extend(path);
    return new Search(searcher.candidates, searcher.firstBranch == null ? path : searcher.firstBranch);
  }

  private static final class Searcher {
    final X509Certificate[] sent;
    final X509Certificate[] anchors;
    final boolean sentTopMayAnchor;
    final SignatureCache signatures;
    final boolean[] used;
    final List<CertificationPath> candidates = new ArrayList<>();
    List<X509Certificate> firstBranch;
    int visits;

    Searcher(X509Certificate[] sent, X509Certificate[] anchors, boolean sentTopMayAnchor, SignatureCache signatures) {
      this.sent = sent;
      this.anchors = anchors == null ? new X509Certificate[0] : anchors;
      this.sentTopMayAnchor = sentTopMayAnchor;
      this.signatures = signatures;
      this.used = new boolean[sent.length];
    }

    void extend(List<X509Certificate> path) {
      if (++visits > MAX_VISITS) {
        return;
      }
      X509Certificate top = path.get(path.size() - 1);
      for (X509Certificate anchor : anchors) {
        if (anchor != null && issued(anchor, top)) {
          candidates.add(new CertificationPath(path, anchor, false));
        }
      }
      boolean continued = false;
      for (int i = 1; i < sent.length && path.size() < MAX_DEPTH; i++) {
        X509Certificate next = sent[i];
        // A sent copy of an anchor (same name and key) ends the path as the anchor itself does, above.
        if (!used[i] && next != null && !isAnchor(next) && issued(next, top)) {
          continued = true;
          used[i] = true;
          path.add(next);
          extend(path);
          path.remove(path.size() - 1);
          used[i] = false;
        }
      }
      if (!continued) {
        if (firstBranch == null) {
          firstBranch = new ArrayList<>(path);
        }
        if (sentTopMayAnchor && path.size() > 1) {
          candidates.add(new CertificationPath(path.subList(0, path.size() - 1), top, true));
        }
      }
    }

    /** Same name and a verifying signature: the rest (CA bit, constraints, validity) is PKIX's to judge. */
    private boolean issued(X509Certificate issuer, X509Certificate child) {
      return issuer.getSubjectX500Principal().equals(child.getIssuerX500Principal())
          && signatures.verifies(child, issuer);
    }

    private boolean isAnchor(X509Certificate certificate) {
      X500Principal subject = certificate.getSubjectX500Principal();
      for (X509Certificate anchor : anchors) {
        if (anchor != null && (anchor == certificate || anchor.getSubjectX500Principal().equals(subject)
            && anchor.getPublicKey().equals(certificate.getPublicKey()))) {
          return true;
        }
      }
      return false;
    }
  }

  static boolean isSelfIssued(X509Certificate certificate) {
    return certificate.getSubjectX500Principal().equals(certificate.getIssuerX500Principal());
  }
}
