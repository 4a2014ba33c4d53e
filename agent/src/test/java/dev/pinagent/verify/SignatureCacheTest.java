package dev.pinagent.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.testing.TestPki;
import org.junit.jupiter.api.Test;

/**
 * A remembered signature saves its verification, and nothing else: a signature never verified, or verified by
 * another key, is worked out in full. The forged-issuer attack (CVE-2016-2402) sends a certificate that carries a
 * pinned CA's name but not its signature; a cache that answered "verified" for it would let the pin count.
 */
class SignatureCacheTest {
  private final TestPki.Issued ca = TestPki.ca("CN=Issuing CA").build();

  @Test
  void refusesAChainWhoseSignatureWasNeverVerified() {
    TestPki.Issued attacker = TestPki.ca("CN=Attacker").build();
    CountingCertificate forged = new CountingCertificate(TestPki.leaf("api.example.com")
        .forgedIssuer("CN=Issuing CA", attacker.keyPair.getPrivate()).build().certificate);
    SignatureCache cache = new SignatureCache(16);

    assertThat(cache.verifies(forged, ca.certificate)).isFalse();
    assertThat(cache.verifies(forged, ca.certificate)).as("a refusal is not remembered as a pass").isFalse();
    assertThat(forged.verifications).hasValue(2);
  }

  @Test
  void remembersAVerifiedSignatureForThatSignerOnly() {
    CountingCertificate child = new CountingCertificate(TestPki.leaf("api.example.com").issuedBy(ca).build()
        .certificate);
    TestPki.Issued sameNameOtherKey = TestPki.ca("CN=Issuing CA").build();
    SignatureCache cache = new SignatureCache(16);

    assertThat(cache.verifies(child, ca.certificate)).isTrue();
    assertThat(cache.verifies(child, ca.certificate)).isTrue();
    assertThat(child.verifications).as("the second time costs nothing").hasValue(1);
    assertThat(cache.verifies(child, sameNameOtherKey.certificate)).as("another signer is verified in full")
        .isFalse();
    assertThat(child.verifications).hasValue(2);
  }

  @Test
  void aCacheOfNoCapacityVerifiesEveryTime() {
    CountingCertificate child = new CountingCertificate(TestPki.leaf("api.example.com").issuedBy(ca).build()
        .certificate);
    SignatureCache none = SignatureCache.none();

    assertThat(none.verifies(child, ca.certificate)).isTrue();
    assertThat(none.verifies(child, ca.certificate)).isTrue();
    assertThat(child.verifications).hasValue(2);
  }

  @Test
  void startsOverWhenFullSoThatItHoldsAtMostItsCapacity() {
    CountingCertificate first = new CountingCertificate(TestPki.leaf("a.example.com").issuedBy(ca).build()
        .certificate);
    CountingCertificate second = new CountingCertificate(TestPki.leaf("b.example.com").issuedBy(ca).build()
        .certificate);
    CountingCertificate third = new CountingCertificate(TestPki.leaf("c.example.com").issuedBy(ca).build()
        .certificate);
    SignatureCache cache = new SignatureCache(2);
    cache.verifies(first, ca.certificate);
    cache.verifies(second, ca.certificate);
    cache.verifies(second, ca.certificate);
    assertThat(second.verifications).as("two fit").hasValue(1);

    cache.verifies(third, ca.certificate);
    cache.verifies(first, ca.certificate);

    assertThat(first.verifications).as("the third emptied the full cache").hasValue(2);
  }
}
