package dev.pinagent.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.testing.TestPki;
import dev.pinagent.testing.TestPki.Issued;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;

class CertificationPathTest {
  private final Issued root = TestPki.ca("CN=Root").build();
  private final Issued intermediate = TestPki.ca("CN=Intermediate").pathLength(0).issuedBy(root).build();
  private final Issued leaf = TestPki.leaf("api.example.com").dns("api.example.com").issuedBy(intermediate).build();
  private final Issued evilRoot = TestPki.ca("CN=Evil Root").build();
  private final Issued evilLeaf = TestPki.leaf("api.example.com").issuedBy(evilRoot).build();

  private static List<X509Certificate> path(X509Certificate... sent) {
    return CertificationPath.fromLeaf(sent);
  }

  @Test
  void followsSignaturesFromTheLeafWhenTheRootIsNotSent() {
    assertThat(path(leaf.certificate, intermediate.certificate))
        .containsExactly(leaf.certificate, intermediate.certificate);
  }

  @Test
  void includesARootTheServerSends() {
    assertThat(path(leaf.certificate, intermediate.certificate, root.certificate))
        .containsExactly(leaf.certificate, intermediate.certificate, root.certificate);
  }

  @Test
  void ordersAChainSentOutOfOrder() {
    assertThat(path(leaf.certificate, root.certificate, intermediate.certificate))
        .containsExactly(leaf.certificate, intermediate.certificate, root.certificate);
  }

  @Test
  void dropsAPinnedCaAppendedToAForgedChain() {
    assertThat(path(evilLeaf.certificate, intermediate.certificate))
        .containsExactly(evilLeaf.certificate);
    assertThat(path(evilLeaf.certificate, evilRoot.certificate, intermediate.certificate, root.certificate))
        .containsExactly(evilLeaf.certificate, evilRoot.certificate);
  }

  @Test
  void dropsAPinnedLeafAppendedToAForgedChain() {
    assertThat(path(evilLeaf.certificate, evilRoot.certificate, leaf.certificate))
        .containsExactly(evilLeaf.certificate, evilRoot.certificate);
  }

  @Test
  void refusesACertificateThatCarriesTheIssuersNameButNotItsSignature() {
    Issued forged = TestPki.leaf("api.example.com")
        .forgedIssuer("CN=Intermediate", evilRoot.keyPair.getPrivate()).build();
    assertThat(path(forged.certificate, intermediate.certificate)).containsExactly(forged.certificate);
  }

  @Test
  void refusesASignerWithoutTheCaBit() {
    Issued notCa = TestPki.leaf("pinned.example.com").issuedBy(root).build();
    Issued signedByLeaf = TestPki.leaf("api.example.com").issuedBy(notCa).build();
    assertThat(path(signedByLeaf.certificate, notCa.certificate)).containsExactly(signedByLeaf.certificate);
  }

  @Test
  void refusesASignerWithoutBasicConstraints() {
    Issued noConstraints = TestPki.ca("CN=No Constraints").withoutBasicConstraints().issuedBy(root).build();
    Issued child = TestPki.leaf("api.example.com").issuedBy(noConstraints).build();
    assertThat(path(child.certificate, noConstraints.certificate)).containsExactly(child.certificate);
  }

  @Test
  void refusesACaWhoseKeyUsageForbidsSigningCertificates() {
    Issued signingOnly = TestPki.ca("CN=Signing Only").withoutKeyUsage().issuedBy(root).build();
    Issued child = TestPki.leaf("api.example.com").issuedBy(signingOnly).build();
    assertThat(path(child.certificate, signingOnly.certificate))
        .as("no KeyUsage extension at all is allowed")
        .containsExactly(child.certificate, signingOnly.certificate);
  }

  @Test
  void respectsPathLengthConstraints() {
    Issued sub = TestPki.ca("CN=Sub").issuedBy(intermediate).build();
    Issued deepLeaf = TestPki.leaf("api.example.com").issuedBy(sub).build();
    assertThat(path(deepLeaf.certificate, sub.certificate, intermediate.certificate, root.certificate))
        .as("Intermediate allows no CA below it, so the path stops at Sub")
        .containsExactly(deepLeaf.certificate, sub.certificate);
  }

  @Test
  void doesNotLinkThroughAnExpiredCa() {
    java.time.Instant past = java.time.Instant.now().minus(java.time.Duration.ofDays(400));
    Issued expired = TestPki.ca("CN=Intermediate").keyPair(intermediate.keyPair).issuedBy(root)
        .validity(past, past.plus(java.time.Duration.ofDays(30))).build();
    assertThat(path(leaf.certificate, expired.certificate)).containsExactly(leaf.certificate);
    assertThat(path(leaf.certificate, expired.certificate, intermediate.certificate))
        .as("a current certificate for the same CA is used instead")
        .containsExactly(leaf.certificate, intermediate.certificate);
  }

  @Test
  void stopsAtTheDepthLimit() {
    Issued signer = root;
    X509Certificate[] sent = new X509Certificate[CertificationPath.MAX_DEPTH + 3];
    for (int i = sent.length - 1; i >= 1; i--) {
      signer = TestPki.ca("CN=CA " + i).issuedBy(signer).build();
      sent[i] = signer.certificate;
    }
    sent[0] = TestPki.leaf("deep.example.com").issuedBy(signer).build().certificate;
    assertThat(path(sent)).hasSize(CertificationPath.MAX_DEPTH);
  }

  @Test
  void findsTheAnchorThatIssuedTheTopOfThePath() {
    List<X509Certificate> sentPath = path(leaf.certificate, intermediate.certificate);
    assertThat(CertificationPath.anchorIssued(root.certificate, sentPath, SignatureCache.none())).isTrue();
    assertThat(CertificationPath.anchorIssued(evilRoot.certificate, sentPath, SignatureCache.none())).isFalse();
    Issued sameNameOtherKey = TestPki.ca("CN=Root").build();
    assertThat(CertificationPath.anchorIssued(sameNameOtherKey.certificate, sentPath, SignatureCache.none())).isFalse();
  }

  @Test
  void handlesAnEmptyChain() {
    assertThat(path()).isEmpty();
  }
}
