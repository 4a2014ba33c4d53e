package dev.pinagent.inventory;

import dev.pinagent.policy.Pin;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** One certificate of a recorded path: what an operator needs to choose a pin. Public data only. */
public final class PathCertificate {
  public final String subject;
  public final String issuer;
  public final Instant notAfter;
  /** The key's algorithm and size, such as {@code EC 256} or {@code RSA 2048}. */
  public final String key;
  public final Pin pin;

  PathCertificate(String subject, String issuer, Instant notAfter, String key, Pin pin) {
    this.subject = subject;
    this.issuer = issuer;
    this.notAfter = notAfter;
    this.key = key;
    this.pin = pin;
  }

  static PathCertificate of(X509Certificate certificate) {
    PublicKey key = certificate.getPublicKey();
    return new PathCertificate(certificate.getSubjectX500Principal().getName(),
        certificate.getIssuerX500Principal().getName(), certificate.getNotAfter().toInstant(), describe(key),
        Pin.ofSubjectPublicKeyInfo(key.getEncoded()));
  }

  /** {@code EC 256}, {@code RSA 2048}; the algorithm alone for other keys. */
  public static String describe(PublicKey key) {
    if (key instanceof RSAPublicKey) {
      return key.getAlgorithm() + " " + ((RSAPublicKey) key).getModulus().bitLength();
    }
    if (key instanceof ECPublicKey) {
      return key.getAlgorithm() + " " + ((ECPublicKey) key).getParams().getCurve().getField().getFieldSize();
    }
    return key.getAlgorithm();
  }

  /** Whether the certificate is self-issued: a root, when it ends a path. */
  public boolean selfIssued() {
    return subject.equals(issuer);
  }

  Map<String, Object> toJson() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("subject", subject);
    json.put("issuer", issuer);
    json.put("notAfter", notAfter.toString());
    json.put("key", key);
    json.put("pin", pin.toString());
    return json;
  }
}
