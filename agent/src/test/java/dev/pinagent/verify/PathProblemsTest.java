package dev.pinagent.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.testing.TestPki;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What an operator reads when a path is not valid: which certificate, and which rule. A sent certificate that
 * stands in for an anchor no trust store named is held to what PKIX checks of an intermediate, each rule with its
 * own words; a PKIX failure names the certificate it happened at.
 */
class PathProblemsTest {
  private static final TestPki.Issued ROOT = TestPki.ca("CN=Root").build();

  static Stream<Arguments> spoiledStandIns() {
    Instant past = Instant.now().minus(Duration.ofDays(400));
    return Stream.of(
        Arguments.of("not a CA", (UnaryOperator<TestPki.Builder>) ca -> ca.ca(false),
            "CN=Stand In is not a CA certificate"),
        Arguments.of("key usage without keyCertSign", (UnaryOperator<TestPki.Builder>) ca -> ca.keyUsage(
            KeyUsage.cRLSign), "CN=Stand In may not sign certificates (key usage)"),
        Arguments.of("expired", (UnaryOperator<TestPki.Builder>) ca -> ca.validity(past, past.plusSeconds(60)),
            "CN=Stand In is not valid now: "),
        Arguments.of("name constraints that exclude the leaf", (UnaryOperator<TestPki.Builder>) ca -> ca
            .permittedDns("other.example.net"), "the name constraints of CN=Stand In do not permit "
            + "CN=api.example.com"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("spoiledStandIns")
  void saysWhichRuleASentStandInAnchorBreaks(String row, UnaryOperator<TestPki.Builder> spoil, String problem) {
    TestPki.Issued standIn = spoil.apply(TestPki.ca("CN=Stand In")).issuedBy(ROOT).build();
    X509Certificate child = TestPki.leaf("api.example.com").dns("api.example.com").issuedBy(standIn).build()
        .certificate;

    CertificationPath path = onlyPathWithoutAnchors(child, standIn.certificate);

    assertThat(path.anchorSent()).isTrue();
    assertThat(path.problem()).startsWith(problem);
    assertThat(path.isValid()).isFalse();
  }

  @Test
  void saysHowManyCasAStandInsPathLengthAllows() {
    TestPki.Issued limited = TestPki.ca("CN=Limited").pathLength(0).issuedBy(ROOT).build();
    TestPki.Issued sub = TestPki.ca("CN=Sub").issuedBy(limited).build();
    X509Certificate leaf = TestPki.leaf("api.example.com").issuedBy(sub).build().certificate;

    assertThat(onlyPathWithoutAnchors(leaf, sub.certificate, limited.certificate).problem())
        .isEqualTo("CN=Limited allows 0 CA certificate(s) below it (path length), the path has 1");
  }

  @Test
  void countsNoSelfIssuedCaAgainstAStandInsPathLength() {
    TestPki.Issued limited = TestPki.ca("CN=Limited").pathLength(0).issuedBy(ROOT).build();
    TestPki.Issued selfIssued = TestPki.ca("CN=Limited").issuedBy(limited).build();
    X509Certificate leaf = TestPki.leaf("api.example.com").issuedBy(selfIssued).build().certificate;

    CertificationPath path = CertificationPath.search(new X509Certificate[] {leaf, selfIssued.certificate,
        limited.certificate}, new X509Certificate[0], true, SignatureCache.none()).candidates().stream()
        .filter(candidate -> candidate.anchor() == limited.certificate).findFirst().orElseThrow();
    assertThat(path.problem()).as("a renewed key under the same name is no CA below it").isNull();
  }

  @Test
  void acceptsASoundStandInAndShowsThePathLeafFirst() {
    TestPki.Issued standIn = TestPki.ca("CN=Stand In").issuedBy(ROOT).build();
    X509Certificate leaf = TestPki.leaf("api.example.com").dns("api.example.com").issuedBy(standIn).build()
        .certificate;

    CertificationPath path = onlyPathWithoutAnchors(leaf, standIn.certificate);

    assertThat(path.problem()).isNull();
    assertThat(path).hasToString("CN=api.example.com <- CN=Stand In");
    assertThat(path.withAnchor()).containsExactly(leaf, standIn.certificate);
  }

  @Test
  void namesTheCertificateAPkixFailureHappenedAt() {
    Instant past = Instant.now().minus(Duration.ofDays(400));
    TestPki.Issued expired = TestPki.ca("CN=Expired Intermediate").validity(past, past.plusSeconds(60))
        .issuedBy(ROOT).build();
    X509Certificate leaf = TestPki.leaf("api.example.com").issuedBy(expired).build().certificate;

    List<CertificationPath> candidates = CertificationPath.search(new X509Certificate[] {leaf, expired.certificate},
        new X509Certificate[] {ROOT.certificate}, false, SignatureCache.none()).candidates();

    assertThat(candidates).hasSize(1);
    assertThat(candidates.get(0).anchorSent()).isFalse();
    assertThat(candidates.get(0).problem()).startsWith("at CN=Expired Intermediate: ");
  }

  private static CertificationPath onlyPathWithoutAnchors(X509Certificate... sent) {
    List<CertificationPath> candidates = CertificationPath.search(sent, new X509Certificate[0], true,
        SignatureCache.none()).candidates();
    assertThat(candidates).hasSize(1);
    return candidates.get(0);
  }
}
