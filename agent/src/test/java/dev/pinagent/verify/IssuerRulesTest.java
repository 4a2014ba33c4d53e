package dev.pinagent.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pinagent.testing.TestPki;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.Test;

/**
 * Why a certificate that carries the name of the leaf's issuer is not on the path above it, in the words an
 * operator reads: each rule of a signing CA refused on its own (name, CA bit, keyCertSign, validity, signature),
 * and accepted when all hold. Also the DER reading of an extension's value that name constraints need.
 */
class IssuerRulesTest {
  private final TestPki.Issued ca = TestPki.ca("CN=Issuing CA").build();
  private final X509Certificate leaf = TestPki.leaf("api.example.com").issuedBy(ca).build().certificate;

  @Test
  void acceptsTheCaThatSignedTheLeaf() {
    assertThat(CertificationPath.whyNotIssuer(ca.certificate, leaf)).isNull();
  }

  @Test
  void refusesACertificateWithAnotherName() {
    assertThat(CertificationPath.whyNotIssuer(TestPki.ca("CN=Other CA").keyPair(ca.keyPair).build().certificate,
        leaf)).isEqualTo("it does not carry the name of the certificate's issuer");
  }

  @Test
  void refusesACertificateThatIsNoCa() {
    X509Certificate notCa = TestPki.leaf("Issuing CA").keyPair(ca.keyPair).build().certificate;
    X509Certificate child = TestPki.leaf("api.example.com").forgedIssuer("CN=Issuing CA", ca.keyPair.getPrivate())
        .build().certificate;
    assertThat(CertificationPath.whyNotIssuer(notCa, child)).isEqualTo("it is not a CA certificate");
  }

  @Test
  void refusesACaWithoutKeyCertSign() {
    X509Certificate signsNoCertificates = TestPki.ca("CN=Issuing CA").keyPair(ca.keyPair)
        .keyUsage(KeyUsage.digitalSignature | KeyUsage.cRLSign).build().certificate;
    assertThat(CertificationPath.whyNotIssuer(signsNoCertificates, leaf))
        .isEqualTo("its key usage does not allow signing certificates");
    X509Certificate onlyKeyCertSign = TestPki.ca("CN=Issuing CA").keyPair(ca.keyPair).keyUsage(KeyUsage.keyCertSign)
        .build().certificate;
    assertThat(CertificationPath.whyNotIssuer(onlyKeyCertSign, leaf)).isNull();
    X509Certificate noKeyUsage = TestPki.ca("CN=Issuing CA").keyPair(ca.keyPair).withoutKeyUsage().build()
        .certificate;
    assertThat(CertificationPath.whyNotIssuer(noKeyUsage, leaf)).as("no key usage: any").isNull();
  }

  @Test
  void refusesACaOutsideItsValidity() {
    Instant now = Instant.now();
    X509Certificate expired = TestPki.ca("CN=Issuing CA").keyPair(ca.keyPair)
        .validity(now.minus(Duration.ofDays(30)), now.minus(Duration.ofDays(1))).build().certificate;
    X509Certificate notYet = TestPki.ca("CN=Issuing CA").keyPair(ca.keyPair)
        .validity(now.plus(Duration.ofDays(1)), now.plus(Duration.ofDays(30))).build().certificate;

    assertThat(CertificationPath.whyNotIssuer(expired, leaf)).startsWith("expired on ")
        .endsWith(expired.getNotAfter().toInstant().toString());
    assertThat(CertificationPath.whyNotIssuer(notYet, leaf)).startsWith("is not valid before ")
        .endsWith(notYet.getNotBefore().toInstant().toString());
    assertThat(CertificationPath.validityProblem(ca.certificate)).isNull();
  }

  @Test
  void refusesACaWhoseKeyDidNotSign() {
    X509Certificate sameNameOtherKey = TestPki.ca("CN=Issuing CA").build().certificate;
    assertThat(CertificationPath.whyNotIssuer(sameNameOtherKey, leaf))
        .isEqualTo("its key did not sign the certificate below it");
  }

  @Test
  void readsTheValueOfADerOctetStringInShortAndLongForm() throws Exception {
    assertThat(CertificationPath.derValueOf(new byte[] {0x04, 0x02, 7, 8})).containsExactly(7, 8);
    assertThat(CertificationPath.derValueOf(new byte[] {0x04, 0x00})).isEmpty();
    byte[] longForm = new byte[3 + 200];
    longForm[0] = 0x04;
    longForm[1] = (byte) 0x81;
    longForm[2] = (byte) 200;
    assertThat(CertificationPath.derValueOf(longForm)).hasSize(200);
    byte[] twoLengthBytes = new byte[4 + 300];
    twoLengthBytes[0] = 0x04;
    twoLengthBytes[1] = (byte) 0x82;
    twoLengthBytes[2] = 1;
    twoLengthBytes[3] = 44;
    assertThat(CertificationPath.derValueOf(twoLengthBytes)).hasSize(300);
    byte[] fourLengthBytes = new byte[6 + 1];
    fourLengthBytes[0] = 0x04;
    fourLengthBytes[1] = (byte) 0x84;
    fourLengthBytes[5] = 1;
    assertThat(CertificationPath.derValueOf(fourLengthBytes)).hasSize(1);
  }

  @Test
  void refusesWhatIsNoWellFormedDerOctetString() {
    for (byte[] bad : new byte[][] {{}, {0x04}, {0x05, 0x00}, {0x04, 0x02, 7}, {0x04, 0x01, 7, 8},
        {0x04, (byte) 0x80}, {0x04, (byte) 0x85, 0, 0, 0, 0, 1, 9}}) {
      assertThatThrownBy(() -> CertificationPath.derValueOf(bad)).isInstanceOf(IOException.class);
    }
  }
}
