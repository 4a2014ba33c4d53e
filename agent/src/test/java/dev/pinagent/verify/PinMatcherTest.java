package dev.pinagent.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pinagent.policy.PinSet;
import dev.pinagent.policy.yaml.PolicyLoader;
import dev.pinagent.testing.TestPki;
import dev.pinagent.testing.TestPki.Issued;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A pinned key counts only on a certification path that is itself valid (PKIX: signatures, validity, CA
 * bits, key usage, path length, name and policy constraints) and ends at an anchor of the trust manager that
 * accepted the chain. The attacks here are accepted by the JDK's own trust manager, which validated another
 * route through the same certificates; each is checked to be accepted, so the refusal is the agent's.
 */
class PinMatcherTest {
  private static final String HOST = "api.example.com";

  private final Issued pinnedRoot = TestPki.ca("CN=Pinned Root").build();
  private final Issued evilRoot = TestPki.ca("CN=Evil Root").build();
  private final X509TrustManager trustingBoth = TestPki.trustManager(pinnedRoot.certificate, evilRoot.certificate);
  private final PinMatcher matcher = new PinMatcher(new SpkiPins(64), new SignatureCache(64));

  private static PinSet pinning(String host, String... pins) {
    try {
      return PolicyLoader.parse("p.yaml", "version: 1\npin-sets:\n  - name: api\n    hosts: [\"" + host + "\"]\n"
          + "    pins: [" + String.join(", ", pins) + "]\n").match(host);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private PinMatcher.Match match(X509Certificate[] chain, String host, X509TrustManager trustManager,
      String... pins) {
    return matcher.match(chain, pinning(host, pins), List.of(host), trustManager);
  }

  /** The JDK's PKIX trust manager accepts the chain (no host name check: that is not what is attacked). */
  private static void assertJdkAccepts(X509TrustManager trustManager, X509Certificate[] chain) {
    assertThatCode(() -> trustManager.checkServerTrusted(chain, "ECDHE_ECDSA"))
        .as("the JDK accepts this chain, so only the pin check stands in the way").doesNotThrowAnyException();
  }

  /**
   * Issue 11, item 2. The pinned root issued a sub-CA constrained to attacker.example.net; its holder has the
   * same key cross-certified by a CA the JVM also trusts and issues a leaf for the pinned host. The JDK
   * rejects the constrained route and validates through the evil root; the pinned root must not count.
   */
  @Test
  void refusesAPinnedRootReachedOnlyThroughASubCaWhoseNameConstraintsExcludeTheHost() {
    Issued constrained = TestPki.ca("CN=Partner Sub CA").permittedDns("attacker.example.net").issuedBy(pinnedRoot)
        .build();
    Issued crossSigned = TestPki.ca("CN=Partner Sub CA").keyPair(constrained.keyPair).issuedBy(evilRoot).build();
    Issued leaf = TestPki.leaf(HOST).dns(HOST).issuedBy(constrained).build();
    X509Certificate[] chain = TestPki.chain(leaf.certificate, constrained.certificate, crossSigned.certificate);
    assertJdkAccepts(trustingBoth, chain);

    PinMatcher.Match match = match(chain, HOST, trustingBoth, pinnedRoot.pin());

    assertThat(match.matched()).as(String.valueOf(match.reason())).isFalse();
    assertThat(match.reason()).contains(pinnedRoot.pin()).contains("not valid");
    assertThat(match.path()).as("the path shown is the one that is valid")
        .containsExactly(leaf.certificate, crossSigned.certificate, evilRoot.certificate);
  }

  @Test
  void acceptsThePinnedRootThroughAConstrainedSubCaForANameItPermits() {
    Issued constrained = TestPki.ca("CN=Partner Sub CA").permittedDns("attacker.example.net").issuedBy(pinnedRoot)
        .build();
    Issued leaf = TestPki.leaf("shop.attacker.example.net").dns("shop.attacker.example.net").issuedBy(constrained)
        .build();
    X509Certificate[] chain = TestPki.chain(leaf.certificate, constrained.certificate);

    PinMatcher.Match match = match(chain, "shop.attacker.example.net", trustingBoth, pinnedRoot.pin());

    assertThat(match.matched()).as(String.valueOf(match.reason())).isTrue();
    assertThat(match.path()).containsExactly(leaf.certificate, constrained.certificate, pinnedRoot.certificate);
  }

  /**
   * Each row makes the pinned root's own route invalid in one way, while the same sub-CA key, cross-certified
   * by the evil root, gives the JDK a valid route.
   */
  static Stream<Arguments> invalidPinnedRoutes() {
    Instant past = Instant.now().minus(Duration.ofDays(400));
    return Stream.of(
        Arguments.of("name constraints exclude the host",
            (UnaryOperator<TestPki.Builder>) sub -> sub.permittedDns("attacker.example.net")),
        Arguments.of("policy constraints require a policy the leaf does not carry",
            (UnaryOperator<TestPki.Builder>) sub -> sub.requireExplicitPolicy(0)),
        Arguments.of("the sub-CA certificate has expired",
            (UnaryOperator<TestPki.Builder>) sub -> sub.validity(past, past.plus(Duration.ofDays(30)))),
        Arguments.of("the sub-CA's key usage does not allow signing certificates",
            (UnaryOperator<TestPki.Builder>) sub -> sub.keyUsage(KeyUsage.digitalSignature)),
        Arguments.of("the sub-CA is not a CA",
            (UnaryOperator<TestPki.Builder>) sub -> sub.ca(false)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidPinnedRoutes")
  void refusesAPinnedRootWhoseOwnRouteIsInvalidWhileTheJdkValidatedAnother(String row,
      UnaryOperator<TestPki.Builder> spoil) {
    Issued spoiled = spoil.apply(TestPki.ca("CN=Partner Sub CA")).issuedBy(pinnedRoot).build();
    Issued crossSigned = TestPki.ca("CN=Partner Sub CA").keyPair(spoiled.keyPair).issuedBy(evilRoot).build();
    Issued leaf = TestPki.leaf(HOST).dns(HOST).issuedBy(spoiled).build();
    X509Certificate[] chain = TestPki.chain(leaf.certificate, spoiled.certificate, crossSigned.certificate);
    assertJdkAccepts(trustingBoth, chain);

    assertThat(match(chain, HOST, trustingBoth, pinnedRoot.pin()).matched()).as(row).isFalse();
    assertThat(match(chain, HOST, trustingBoth, evilRoot.pin()).matched())
        .as(row + ": the route the JDK validated still matches its own root").isTrue();
  }

  @Test
  void refusesAPinnedRootBelowWhichTheChainExceedsAPathLength() {
    Issued limited = TestPki.ca("CN=Limited").pathLength(0).issuedBy(pinnedRoot).build();
    Issued sub = TestPki.ca("CN=Deeper").issuedBy(limited).build();
    Issued crossSigned = TestPki.ca("CN=Deeper").keyPair(sub.keyPair).issuedBy(evilRoot).build();
    Issued leaf = TestPki.leaf(HOST).dns(HOST).issuedBy(sub).build();
    X509Certificate[] chain = TestPki.chain(leaf.certificate, sub.certificate, limited.certificate,
        crossSigned.certificate);
    assertJdkAccepts(trustingBoth, chain);

    assertThat(match(chain, HOST, trustingBoth, pinnedRoot.pin()).matched()).isFalse();
    assertThat(match(chain, HOST, trustingBoth, limited.pin()).matched()).isFalse();
  }

  /** Backtracking: the first signer found leads to an anchor that is not pinned; the second to one that is. */
  @Test
  void findsThePinnedRootOnTheSecondOfTwoValidRoutes() {
    Issued sub = TestPki.ca("CN=Partner Sub CA").issuedBy(pinnedRoot).build();
    Issued crossSigned = TestPki.ca("CN=Partner Sub CA").keyPair(sub.keyPair).issuedBy(evilRoot).build();
    Issued leaf = TestPki.leaf(HOST).dns(HOST).issuedBy(sub).build();
    X509Certificate[] chain = TestPki.chain(leaf.certificate, crossSigned.certificate, sub.certificate);
    assertJdkAccepts(trustingBoth, chain);

    PinMatcher.Match match = match(chain, HOST, trustingBoth, pinnedRoot.pin());

    assertThat(match.matched()).as(String.valueOf(match.reason())).isTrue();
    assertThat(match.path()).containsExactly(leaf.certificate, sub.certificate, pinnedRoot.certificate);
  }

  @Test
  void countsOnlyAnchorsOfTheTrustManagerThatAcceptedTheChain() {
    Issued sub = TestPki.ca("CN=Partner Sub CA").issuedBy(pinnedRoot).build();
    Issued crossSigned = TestPki.ca("CN=Partner Sub CA").keyPair(sub.keyPair).issuedBy(evilRoot).build();
    Issued leaf = TestPki.leaf(HOST).dns(HOST).issuedBy(sub).build();
    X509Certificate[] chain = TestPki.chain(leaf.certificate, sub.certificate, crossSigned.certificate,
        pinnedRoot.certificate);
    X509TrustManager trustingEvilOnly = TestPki.trustManager(evilRoot.certificate);
    assertJdkAccepts(trustingEvilOnly, chain);

    PinMatcher.Match match = match(chain, HOST, trustingEvilOnly, pinnedRoot.pin());

    assertThat(match.matched()).as("the pinned root was sent, but this trust manager does not trust it").isFalse();
  }

  /**
   * Issue 11, item 7. RFC 4210 key rollover: the new root's key certified under the old root's name and key
   * ("new with old", self-issued). The old root is pinned and in the trust store; the JDK validates up to it.
   */
  @Test
  void acceptsAKeyRolloverChainUpToThePinnedOldRoot() {
    Issued oldRoot = TestPki.ca("CN=Rolling Root").build();
    Issued newRoot = TestPki.ca("CN=Rolling Root").build();
    Issued newWithOld = TestPki.ca("CN=Rolling Root").keyPair(newRoot.keyPair).issuedBy(oldRoot).build();
    Issued intermediate = TestPki.ca("CN=Rolling Issuing CA").pathLength(0).issuedBy(newRoot).build();
    Issued leaf = TestPki.leaf(HOST).dns(HOST).issuedBy(intermediate).build();
    X509Certificate[] chain = TestPki.chain(leaf.certificate, intermediate.certificate, newWithOld.certificate);
    X509TrustManager trustingOldRoot = TestPki.trustManager(oldRoot.certificate);
    assertJdkAccepts(trustingOldRoot, chain);

    PinMatcher.Match match = match(chain, HOST, trustingOldRoot, oldRoot.pin());

    assertThat(match.matched()).as(String.valueOf(match.reason())).isTrue();
    assertThat(match.path()).containsExactly(leaf.certificate, intermediate.certificate, newWithOld.certificate,
        oldRoot.certificate);
  }

  @Test
  void refusesARolloverCertificateThePinnedOldRootDidNotSign() {
    Issued oldRoot = TestPki.ca("CN=Rolling Root").build();
    Issued newRoot = TestPki.ca("CN=Rolling Root").build();
    Issued forgedNewWithOld = TestPki.ca("CN=Rolling Root").keyPair(newRoot.keyPair)
        .forgedIssuer("CN=Rolling Root", evilRoot.keyPair.getPrivate()).build();
    Issued intermediate = TestPki.ca("CN=Rolling Issuing CA").pathLength(0).issuedBy(newRoot).build();
    Issued leaf = TestPki.leaf(HOST).dns(HOST).issuedBy(intermediate).build();
    X509Certificate[] chain = TestPki.chain(leaf.certificate, intermediate.certificate,
        forgedNewWithOld.certificate);
    X509TrustManager trustingOldRoot = TestPki.trustManager(oldRoot.certificate);
    assertThatThrownBy(() -> trustingOldRoot.checkServerTrusted(chain, "ECDHE_ECDSA"))
        .isInstanceOf(CertificateException.class);

    assertThat(match(chain, HOST, trustingOldRoot, oldRoot.pin()).matched()).isFalse();
  }
}
