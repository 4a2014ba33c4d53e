package dev.pinagent.cli;

import dev.pinagent.policy.Pin;
import dev.pinagent.verify.Printable;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What an operator needs to know of one certificate to choose a pin. {@link #subject} and {@link #issuer} are as
 * the certificate has them, for JSON (whose encoder escapes them); text and YAML print them through
 * {@link Printable}.
 */
final class CertificateFacts {
  final X509Certificate certificate;
  final String subject;
  final String issuer;
  final String notAfter;
  final String keyType;
  final int keySize;
  final Pin pin;

  CertificateFacts(X509Certificate certificate) {
    this.certificate = certificate;
    this.subject = certificate.getSubjectX500Principal().getName();
    this.issuer = certificate.getIssuerX500Principal().getName();
    this.notAfter = certificate.getNotAfter().toInstant().toString();
    PublicKey key = certificate.getPublicKey();
    this.keyType = key.getAlgorithm();
    this.keySize = keySize(key);
    this.pin = Pin.ofSubjectPublicKeyInfo(key.getEncoded());
  }

  private static int keySize(PublicKey key) {
    if (key instanceof RSAPublicKey) {
      return ((RSAPublicKey) key).getModulus().bitLength();
    }
    if (key instanceof ECPublicKey) {
      return ((ECPublicKey) key).getParams().getCurve().getField().getFieldSize();
    }
    return 0;
  }

  String key() {
    return keySize > 0 ? keyType + " " + keySize : keyType;
  }

  Map<String, Object> toJson() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("subject", subject);
    json.put("issuer", issuer);
    json.put("notAfter", notAfter);
    json.put("keyType", keyType);
    json.put("keySize", keySize);
    json.put("pin", pin.toString());
    return json;
  }
}
