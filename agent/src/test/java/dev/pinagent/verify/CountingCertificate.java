package dev.pinagent.verify;

import java.math.BigInteger;
import java.security.Principal;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Date;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import javax.security.auth.x500.X500Principal;

/**
 * A real certificate that counts how often its signature is verified: what a cache of verified signatures saves
 * is otherwise invisible. Everything else is the wrapped certificate's.
 */
final class CountingCertificate extends X509Certificate {
  private final X509Certificate certificate;
  final AtomicInteger verifications = new AtomicInteger();

  CountingCertificate(X509Certificate certificate) {
    this.certificate = certificate;
  }

  @Override
  public void verify(PublicKey key) throws CertificateException, java.security.NoSuchAlgorithmException,
      java.security.InvalidKeyException, java.security.NoSuchProviderException, java.security.SignatureException {
    verifications.incrementAndGet();
    certificate.verify(key);
  }

  @Override
  public void verify(PublicKey key, String sigProvider) throws CertificateException,
      java.security.NoSuchAlgorithmException,
      java.security.InvalidKeyException, java.security.NoSuchProviderException, java.security.SignatureException {
    verifications.incrementAndGet();
    certificate.verify(key, sigProvider);
  }

  @Override
  public void checkValidity() throws java.security.cert.CertificateExpiredException,
      java.security.cert.CertificateNotYetValidException {
    certificate.checkValidity();
  }

  @Override
  public void checkValidity(Date date) throws java.security.cert.CertificateExpiredException,
      java.security.cert.CertificateNotYetValidException {
    certificate.checkValidity(date);
  }

  @Override
  public int getVersion() {
    return certificate.getVersion();
  }

  @Override
  public BigInteger getSerialNumber() {
    return certificate.getSerialNumber();
  }

  @Override
  @SuppressWarnings("deprecation")
  public Principal getIssuerDN() {
    return certificate.getIssuerDN();
  }

  @Override
  public X500Principal getIssuerX500Principal() {
    return certificate.getIssuerX500Principal();
  }

  @Override
  @SuppressWarnings("deprecation")
  public Principal getSubjectDN() {
    return certificate.getSubjectDN();
  }

  @Override
  public X500Principal getSubjectX500Principal() {
    return certificate.getSubjectX500Principal();
  }

  @Override
  public Date getNotBefore() {
    return certificate.getNotBefore();
  }

  @Override
  public Date getNotAfter() {
    return certificate.getNotAfter();
  }

  @Override
  public byte[] getTBSCertificate() throws CertificateEncodingException {
    return certificate.getTBSCertificate();
  }

  @Override
  public byte[] getSignature() {
    return certificate.getSignature();
  }

  @Override
  public String getSigAlgName() {
    return certificate.getSigAlgName();
  }

  @Override
  public String getSigAlgOID() {
    return certificate.getSigAlgOID();
  }

  @Override
  public byte[] getSigAlgParams() {
    return certificate.getSigAlgParams();
  }

  @Override
  public boolean[] getIssuerUniqueID() {
    return certificate.getIssuerUniqueID();
  }

  @Override
  public boolean[] getSubjectUniqueID() {
    return certificate.getSubjectUniqueID();
  }

  @Override
  public boolean[] getKeyUsage() {
    return certificate.getKeyUsage();
  }

  @Override
  public int getBasicConstraints() {
    return certificate.getBasicConstraints();
  }

  @Override
  public byte[] getEncoded() throws CertificateEncodingException {
    return certificate.getEncoded();
  }

  @Override
  public PublicKey getPublicKey() {
    return certificate.getPublicKey();
  }

  @Override
  public boolean hasUnsupportedCriticalExtension() {
    return certificate.hasUnsupportedCriticalExtension();
  }

  @Override
  public Set<String> getCriticalExtensionOIDs() {
    return certificate.getCriticalExtensionOIDs();
  }

  @Override
  public Set<String> getNonCriticalExtensionOIDs() {
    return certificate.getNonCriticalExtensionOIDs();
  }

  @Override
  public byte[] getExtensionValue(String oid) {
    return certificate.getExtensionValue(oid);
  }

  @Override
  public String toString() {
    return certificate.toString();
  }
}
