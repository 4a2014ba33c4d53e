package dev.pinagent.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pinagent.testing.TestPki;
import dev.pinagent.testing.TestPki.Issued;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class CertificationPathTest {
  private final Issued root = TestPki.ca("CN=Root").build();
  private final Issued intermediate = TestPki.ca("CN=Intermediate").pathLength(0).issuedBy(root).build();
  private final Issued leaf = TestPki.leaf("api.example.com").dns("api.example.com").issuedBy(intermediate).build();
  private final Issued evilRoot = TestPki.ca("CN=Evil Root").build();
  private final Issued evilLeaf = TestPki.leaf("api.example.com").issuedBy(evilRoot).build();
  private final X509Certificate[] bothRoots = {root.certificate, evilRoot.certificate};

  /** The valid paths through {@code sent} to one of {@code anchors}, each leaf first and ending at its anchor. */
  private static List<List<X509Certificate>> validPaths(X509Certificate[] sent, X509Certificate... anchors) {
    return valid(CertificationPath.search(sent, anchors, false, SignatureCache.none()));
  }

  /** The same behind a trust manager that names no anchors: the top sent certificate may stand in for one. */
  private static List<List<X509Certificate>> validPathsWithoutAnchors(X509Certificate... sent) {
    return valid(CertificationPath.search(sent, new X509Certificate[0], true, SignatureCache.none()));
  }

  private static List<List<X509Certificate>> valid(CertificationPath.Search search) {
    return search.candidates().stream().filter(CertificationPath::isValid).map(CertificationPath::withAnchor)
        .collect(Collectors.toList());
  }

  private static X509Certificate[] sent(Issued... certificates) {
    return Stream.of(certificates).map(issued -> issued.certificate).toArray(X509Certificate[]::new);
  }

  @Test
  void followsSignaturesFromTheLeafToTheAnchorWhenTheRootIsNotSent() {
    assertThat(validPaths(sent(leaf, intermediate), bothRoots))
        .containsExactly(List.of(leaf.certificate, intermediate.certificate, root.certificate));
  }

  @Test
  void endsAtTheAnchorWhenTheServerSendsItsCertificate() {
    assertThat(validPaths(sent(leaf, intermediate, root), bothRoots))
        .containsExactly(List.of(leaf.certificate, intermediate.certificate, root.certificate));
  }

  @Test
  void ordersAChainSentOutOfOrder() {
    assertThat(validPaths(sent(leaf, root, intermediate), bothRoots))
        .containsExactly(List.of(leaf.certificate, intermediate.certificate, root.certificate));
  }

  @Test
  void dropsAPinnedCaAppendedToAForgedChain() {
    assertThat(validPaths(sent(evilLeaf, intermediate), bothRoots))
        .containsExactly(List.of(evilLeaf.certificate, evilRoot.certificate));
    assertThat(validPaths(sent(evilLeaf, evilRoot, intermediate, root), bothRoots))
        .containsExactly(List.of(evilLeaf.certificate, evilRoot.certificate));
    assertThat(validPathsWithoutAnchors(sent(evilLeaf, intermediate, root))).isEmpty();
  }

  @Test
  void dropsAPinnedLeafAppendedToAForgedChain() {
    assertThat(validPaths(sent(evilLeaf, evilRoot, leaf), bothRoots))
        .containsExactly(List.of(evilLeaf.certificate, evilRoot.certificate));
  }

  @Test
  void refusesACertificateThatCarriesTheIssuersNameButNotItsSignature() {
    Issued forged = TestPki.leaf("api.example.com")
        .forgedIssuer("CN=Intermediate", evilRoot.keyPair.getPrivate()).build();
    assertThat(CertificationPath.search(sent(forged, intermediate), bothRoots, false, SignatureCache.none())
        .candidates()).isEmpty();
    assertThat(validPathsWithoutAnchors(sent(forged, intermediate))).isEmpty();
  }

  @Test
  void refusesASignerWithoutTheCaBit() {
    Issued notCa = TestPki.leaf("pinned.example.com").issuedBy(root).build();
    Issued signedByLeaf = TestPki.leaf("api.example.com").issuedBy(notCa).build();
    assertThat(validPaths(sent(signedByLeaf, notCa), bothRoots)).isEmpty();
    assertThat(validPathsWithoutAnchors(sent(signedByLeaf, notCa))).isEmpty();
  }

  @Test
  void refusesASignerWithoutBasicConstraints() {
    Issued noConstraints = TestPki.ca("CN=No Constraints").withoutBasicConstraints().issuedBy(root).build();
    Issued child = TestPki.leaf("api.example.com").issuedBy(noConstraints).build();
    assertThat(validPaths(sent(child, noConstraints), bothRoots)).isEmpty();
    assertThat(validPathsWithoutAnchors(sent(child, noConstraints))).isEmpty();
  }

  @Test
  void acceptsACaWithoutAnyKeyUsageExtension() {
    Issued anyUsage = TestPki.ca("CN=Any Usage").withoutKeyUsage().issuedBy(root).build();
    Issued child = TestPki.leaf("api.example.com").issuedBy(anyUsage).build();
    assertThat(validPaths(sent(child, anyUsage), bothRoots))
        .containsExactly(List.of(child.certificate, anyUsage.certificate, root.certificate));
  }

  @Test
  void respectsPathLengthConstraints() {
    Issued sub = TestPki.ca("CN=Sub").issuedBy(intermediate).build();
    Issued deepLeaf = TestPki.leaf("api.example.com").issuedBy(sub).build();
    assertThat(validPaths(sent(deepLeaf, sub, intermediate, root), bothRoots))
        .as("Intermediate allows no CA below it").isEmpty();
    assertThat(validPathsWithoutAnchors(sent(deepLeaf, sub, intermediate, root))).isEmpty();
  }

  @Test
  void goesAroundAnExpiredCaToACurrentCertificateForTheSameKey() {
    Instant past = Instant.now().minus(Duration.ofDays(400));
    Issued expired = TestPki.ca("CN=Intermediate").keyPair(intermediate.keyPair).issuedBy(root)
        .validity(past, past.plus(Duration.ofDays(30))).build();
    assertThat(validPaths(sent(leaf, expired), bothRoots)).isEmpty();
    assertThat(validPaths(sent(leaf, expired, intermediate), bothRoots))
        .containsExactly(List.of(leaf.certificate, intermediate.certificate, root.certificate));
  }

  @Test
  void endsNoPathAtARootWithTheRightNameButAnotherKey() {
    Issued sameNameOtherKey = TestPki.ca("CN=Root").build();
    assertThat(CertificationPath.search(sent(leaf, intermediate), new X509Certificate[] {sameNameOtherKey.certificate},
        false, SignatureCache.none()).candidates()).isEmpty();
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
    CertificationPath.Search search = CertificationPath.search(sent, bothRoots, false, SignatureCache.none());
    assertThat(search.candidates()).isEmpty();
    assertThat(search.shown()).hasSize(CertificationPath.MAX_DEPTH);
  }

  @Test
  void boundsTheSearchThroughManyCertificatesThatAllSignEachOther() {
    // Ten self-signed certificates with one name and one key: each verifies every other, 10! orderings.
    Issued first = TestPki.ca("CN=Loop").build();
    X509Certificate[] sent = new X509Certificate[10];
    for (int i = 1; i < sent.length; i++) {
      sent[i] = TestPki.ca("CN=Loop").keyPair(first.keyPair).build().certificate;
    }
    sent[0] = TestPki.leaf("api.example.com").issuedBy(first).build().certificate;
    long start = System.nanoTime();
    CertificationPath.Search search = CertificationPath.search(sent, bothRoots, true, new SignatureCache(64));
    assertThat(search.candidates().size()).isLessThanOrEqualTo(CertificationPath.MAX_VISITS);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
  }

  @Test
  void letsTheTopSentCertificateStandInForARootNoTrustStoreNamed() {
    assertThat(validPathsWithoutAnchors(sent(leaf, intermediate)))
        .containsExactly(List.of(leaf.certificate, intermediate.certificate));
    assertThat(validPathsWithoutAnchors(sent(leaf))).as("the leaf alone proves nothing").isEmpty();
  }

  /** Each row spoils the sent certificate that stands in for the anchor in one way PKIX would not check. */
  static Stream<Arguments> spoiledStandIns() {
    Instant past = Instant.now().minus(Duration.ofDays(400));
    return Stream.of(
        Arguments.of("not a CA", (UnaryOperator<TestPki.Builder>) ca -> ca.ca(false)),
        Arguments.of("key usage without keyCertSign",
            (UnaryOperator<TestPki.Builder>) ca -> ca.keyUsage(org.bouncycastle.asn1.x509.KeyUsage.cRLSign)),
        Arguments.of("expired", (UnaryOperator<TestPki.Builder>) ca -> ca.validity(past, past.plusSeconds(60))),
        Arguments.of("name constraints that exclude the leaf's name",
            (UnaryOperator<TestPki.Builder>) ca -> ca.permittedDns("other.example.net")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("spoiledStandIns")
  void holdsASentStandInAnchorToWhatPkixChecksOfAnIntermediate(String row, UnaryOperator<TestPki.Builder> spoil) {
    Issued standIn = spoil.apply(TestPki.ca("CN=Stand In")).issuedBy(root).build();
    Issued child = TestPki.leaf("api.example.com").dns("api.example.com").issuedBy(standIn).build();
    assertThat(validPathsWithoutAnchors(sent(child, standIn))).as(row).isEmpty();
    assertThat(validPaths(sent(child, standIn), bothRoots)).as(row + ", and through the root too").isEmpty();
  }

  @Test
  void holdsASentStandInAnchorToItsPathLength() {
    Issued sub = TestPki.ca("CN=Sub").issuedBy(intermediate).build();
    Issued deepLeaf = TestPki.leaf("api.example.com").issuedBy(sub).build();
    assertThat(validPathsWithoutAnchors(sent(deepLeaf, sub, intermediate))).isEmpty();
    assertThat(validPathsWithoutAnchors(sent(deepLeaf, sub))).as("Sub itself has no limit")
        .containsExactly(List.of(deepLeaf.certificate, sub.certificate));
  }

  @Test
  void keepsASentStandInAnchorsNameConstraintsWhenTheyPermitTheLeaf() {
    // Enough subtrees for the extension to need a multi-byte DER length, which the anchor's copy must keep.
    String[] names = Stream.of("a", "b", "c", "d", "e", "f", "g", "h", "example.com")
        .map(label -> label.contains(".") ? label : label + ".some-rather-long-partner-domain.example.org")
        .toArray(String[]::new);
    Issued constrained = TestPki.ca("CN=Constrained").permittedDns(names).issuedBy(root).build();
    assertThat(constrained.certificate.getExtensionValue("2.5.29.30").length).isGreaterThan(130);
    Issued child = TestPki.leaf("api.example.com").dns("api.example.com").issuedBy(constrained).build();
    assertThat(validPathsWithoutAnchors(sent(child, constrained)))
        .containsExactly(List.of(child.certificate, constrained.certificate));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "short form, 0403aabbcc, aabbcc",
      "long form, 048103aabbcc, aabbcc",
      "empty, 0400, ''"})
  void readsTheValueOfAnExtensionsOctetString(String row, String der, String value) throws Exception {
    assertThat(CertificationPath.derValueOf(hex(der))).as(row).isEqualTo(hex(value));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "not an OCTET STRING, 3003aabbcc",
      "length beyond the end, 0404aabbcc",
      "indefinite length, 0480aabbcc",
      "too short, 04"})
  void refusesAMalformedOctetString(String row, String der) {
    assertThatThrownBy(() -> CertificationPath.derValueOf(hex(der))).as(row).isInstanceOf(IOException.class);
  }

  private static byte[] hex(String text) {
    byte[] bytes = new byte[text.length() / 2];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) Integer.parseInt(text.substring(2 * i, 2 * i + 2), 16);
    }
    return bytes;
  }

  @Test
  void handlesAnEmptyChain() {
    CertificationPath.Search search = CertificationPath.search(new X509Certificate[0], bothRoots, true,
        SignatureCache.none());
    assertThat(search.candidates()).isEmpty();
    assertThat(search.shown()).isEmpty();
  }
}
