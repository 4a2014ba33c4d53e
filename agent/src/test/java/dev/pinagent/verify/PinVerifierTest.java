package dev.pinagent.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pinagent.metrics.PinCounters;
import dev.pinagent.metrics.PinMetrics;
import dev.pinagent.policy.Policy;
import dev.pinagent.policy.yaml.PolicyLoader;
import dev.pinagent.testing.TestPki;
import dev.pinagent.testing.TestPki.Issued;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;

class PinVerifierTest {
  private final Issued root = TestPki.ca("CN=Good Root").build();
  private final Issued intermediate = TestPki.ca("CN=Good Intermediate").pathLength(0).issuedBy(root).build();
  private final Issued leaf = TestPki.leaf("api.example.com").dns("api.example.com").issuedBy(intermediate).build();
  private final Issued evilRoot = TestPki.ca("CN=Evil Root").build();
  private final Issued evilLeaf = TestPki.leaf("api.example.com").issuedBy(evilRoot).build();
  private final X509TrustManager trustingBoth = TestPki.trustManager(root.certificate, evilRoot.certificate);

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private PinMetrics metrics;
  private final List<String> log = new ArrayList<>();

  private PinVerifier verifier(String yaml) {
    try {
      Policy policy = PolicyLoader.parse("p.yaml", yaml);
      PinCounters counters = new PinCounters(policy, 2);
      counters.policyLoaded("0123456789ab", "p.yaml", System.currentTimeMillis());
      metrics = new PinMetrics(counters, System::currentTimeMillis);
      metrics.bindTo(meters);
      return new PinVerifier(policy, counters, new SpkiPins(100), log::add, System::currentTimeMillis);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The meters, with those of series counted since the last look registered, as before a scrape. */
  private SimpleMeterRegistry registry() {
    metrics.refresh();
    return meters;
  }

  private String pinning(String mode, String... pins) {
    return "version: 1\nmode: " + mode + "\npin-sets:\n  - name: api\n    hosts: [api.example.com]\n"
        + "    pins: [" + String.join(", ", pins) + "]\n";
  }

  private double checks(String pinSet, String result) {
    return registry().get(PinMetrics.CHECKS).tag("pin_set", pinSet).tag("result", result).functionCounter().count();
  }

  @Test
  void acceptsAChainWhoseIssuerIsPinned() throws Exception {
    PinVerifier verifier = verifier(pinning("enforce", intermediate.pin()));
    assertThat(verifier.check(TestPki.chain(leaf.certificate, intermediate.certificate), "api.example.com", 443,
        trustingBoth)).isEqualTo(CheckResult.MATCH);
    assertThat(checks("api", "match")).isEqualTo(1);
    assertThat(log).isEmpty();
  }

  @Test
  void acceptsAPinnedRootTheServerDidNotSend() throws Exception {
    PinVerifier verifier = verifier(pinning("enforce", root.pin()));
    assertThat(verifier.check(TestPki.chain(leaf.certificate, intermediate.certificate), "API.example.com.", 443,
        trustingBoth)).isEqualTo(CheckResult.MATCH);
  }

  @Test
  void acceptsABackupPin() throws Exception {
    PinVerifier verifier = verifier(pinning("enforce", TestPki.randomPin(), leaf.pin()));
    assertThat(verifier.check(TestPki.chain(leaf.certificate, intermediate.certificate), "api.example.com", 443,
        trustingBoth)).isEqualTo(CheckResult.MATCH);
  }

  @Test
  void blocksAnotherCaInEnforceModeWithAPasteableMessage() {
    PinVerifier verifier = verifier(pinning("enforce", intermediate.pin()));
    assertThatThrownBy(() -> verifier.check(TestPki.chain(evilLeaf.certificate), "api.example.com", 8443,
        trustingBoth))
        .isInstanceOf(CertificateException.class)
        .hasMessage("Certificate pinning failure for host api.example.com (pin-set 'api'): "
            + "no key on the certification path is pinned."
            + "\n  Certification path (leaf first):"
            + "\n    " + evilLeaf.pin() + ": CN=api.example.com"
            + "\n    " + evilRoot.pin() + ": CN=Evil Root"
            + "\n  Pinned keys for pin-set 'api':"
            + "\n    " + intermediate.pin()
            + "\n  What to do: if api.example.com has moved to a new CA on purpose, add " + evilRoot.pin()
            + " (CN=Evil Root) to pin-set 'api'; confirm the move with the host's owner first, as an interception "
            + "looks the same");
    assertThat(checks("api", "mismatch")).isEqualTo(1);
    assertThat(registry().get(PinMetrics.VIOLATIONS).tag("action", "blocked").tag("host", "api.example.com")
        .functionCounter().count()).isEqualTo(1);
    assertThat(log).containsExactly("[pin-agent] pin violation: host=api.example.com port=8443 pin_set=api "
        + "action=blocked presented=" + evilLeaf.pin() + "," + evilRoot.pin()
        + " subjects=\"CN=api.example.com\",\"CN=Evil Root\""
        + " advice=\"if api.example.com has moved to a new CA on purpose, add " + evilRoot.pin()
        + " (CN=Evil Root) to pin-set 'api'\"");
  }

  @Test
  void suggestsPinningTheIssuingCaOfAChainThatMovedToANewCa() {
    Issued newRoot = TestPki.ca("CN=New Root,O=Partner").build();
    Issued newIssuing = TestPki.ca("CN=New Issuing CA,O=Partner\\, Inc.").issuedBy(newRoot).build();
    Issued moved = TestPki.leaf("api.example.com").dns("api.example.com").issuedBy(newIssuing).build();
    PinVerifier verifier = verifier(pinning("enforce", intermediate.pin()));

    assertThatThrownBy(() -> verifier.check(TestPki.chain(moved.certificate, newIssuing.certificate),
        "api.example.com", 443, TestPki.trustManager(newRoot.certificate)))
        .isInstanceOf(CertificateException.class)
        .hasMessageEndingWith("\n  What to do: if api.example.com has moved to a new CA on purpose, add "
            + newIssuing.pin() + " (CN=New Issuing CA,O=Partner\\, Inc.) to pin-set 'api'; confirm the move with the "
            + "host's owner first, as an interception looks the same");
    assertThat(log).singleElement().asString()
        .contains(" subjects=\"CN=api.example.com\",\"CN=New Issuing CA,O=Partner\\, Inc.\",\"CN=New Root,O=Partner\"")
        .endsWith(" advice=\"if api.example.com has moved to a new CA on purpose, add " + newIssuing.pin()
            + " (CN=New Issuing CA,O=Partner\\, Inc.) to pin-set 'api'\"");
  }

  @Test
  void suggestsTheLeafsOwnKeyWhenThePathHasNoCa() {
    Issued selfSigned = TestPki.ca("CN=appliance").build();
    PinVerifier verifier = verifier(pinning("enforce", intermediate.pin()));

    assertThatThrownBy(() -> verifier.check(TestPki.chain(selfSigned.certificate), "api.example.com", 443,
        TestPki.trustManager(selfSigned.certificate)))
        .isInstanceOf(CertificateException.class)
        .hasMessageContaining("add " + selfSigned.pin() + " (CN=appliance) to pin-set 'api'");
  }

  @Test
  void givesNoMoveAdviceWhenAPinnedKeyIsOnThePath() {
    Issued otherName = TestPki.leaf("other.example.net").dns("other.example.net").issuedBy(intermediate).build();
    PinVerifier verifier = verifier(pinning("enforce", intermediate.pin()));

    assertThatThrownBy(() -> verifier.check(TestPki.chain(otherName.certificate, intermediate.certificate),
        "api.example.com", 443, TestPki.trustManager()))
        .isInstanceOf(CertificateException.class)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("What to do").doesNotContain("moved"));
    assertThat(log).singleElement().asString().doesNotContain("advice=");
  }

  @Test
  void escapesControlCharactersOfCertificateNamesInTheFailureAndTheLog() {
    Issued forger = TestPki.ca("CN=Evil\n[pin-agent] all fine\r\u0085\u001b[0m").build();
    Issued forgedLeaf = TestPki.leaf("api.example.com").dns("api.example.com").issuedBy(forger).build();
    PinVerifier verifier = verifier(pinning("enforce", intermediate.pin()));

    assertThatThrownBy(() -> verifier.check(TestPki.chain(forgedLeaf.certificate), "api.example.com", 443,
        TestPki.trustManager(forger.certificate)))
        .isInstanceOf(CertificateException.class)
        .hasMessageContaining("\n    " + forger.pin() + ": CN=Evil\\n[pin-agent] all fine\\r\\u0085\\u001b[0m\n")
        .satisfies(e -> assertThat(e.getMessage().split("\n"))
            .noneMatch(line -> line.startsWith("[pin-agent]"))
            .allSatisfy(line -> assertThat(line.chars()).noneMatch(c -> Printable.needsEscape(c))));
    assertThat(log).singleElement().asString().doesNotContain("\n").doesNotContain("\r")
        .contains("subjects=\"CN=api.example.com\",\"CN=Evil\\n[pin-agent] all fine\\r\\u0085\\u001b[0m\"");
  }

  @Test
  void neverCountsAPinnedCertificateAppendedToAForgedChain() {
    PinVerifier verifier = verifier(pinning("enforce", intermediate.pin(), root.pin()));
    X509TrustManager trustAll = TestPki.trustManager();
    assertThatThrownBy(() -> verifier.check(TestPki.chain(evilLeaf.certificate, intermediate.certificate,
        root.certificate), "api.example.com", 443, trustAll))
        .isInstanceOf(CertificateException.class)
        .hasMessageContaining("Sent but not on the path from the leaf (never counted):\n    " + intermediate.pin());
  }

  @Test
  void refusesACertificateFromThePinnedCaForAnotherNameWhenNothingElseCheckedTheName() {
    Issued otherCustomer = TestPki.leaf("attacker.example.net").dns("attacker.example.net")
        .issuedBy(intermediate).build();
    PinVerifier verifier = verifier(pinning("enforce", intermediate.pin()));
    X509TrustManager trustAll = TestPki.trustManager();
    assertThatThrownBy(() -> verifier.check(TestPki.chain(otherCustomer.certificate, intermediate.certificate),
        "api.example.com", 443, trustAll))
        .isInstanceOf(CertificateException.class)
        .hasMessageContaining("the pinned key " + intermediate.pin() + " (CN=Good Intermediate) is on the path, "
            + "but the leaf certificate does not name api.example.com");
  }

  @Test
  void acceptsAPinnedLeafKeyWhateverNameItsCertificateCarries() throws Exception {
    Issued selfSigned = TestPki.ca("CN=partner-appliance").build();
    PinVerifier verifier = verifier(pinning("enforce", selfSigned.pin()));
    assertThat(verifier.check(TestPki.chain(selfSigned.certificate), "api.example.com", 443, TestPki.trustManager()))
        .isEqualTo(CheckResult.MATCH);
  }

  @Test
  void acceptsALeafThatNamesTheHostByWildcardOrCommonName() throws Exception {
    Issued wildcard = TestPki.leaf("x").dns("*.example.com").issuedBy(intermediate).build();
    Issued commonNameOnly = TestPki.leaf("api.example.com").issuedBy(intermediate).build();
    PinVerifier verifier = verifier(pinning("enforce", intermediate.pin()));
    assertThat(verifier.check(TestPki.chain(wildcard.certificate, intermediate.certificate), "api.example.com",
        443, TestPki.trustManager())).isEqualTo(CheckResult.MATCH);
    assertThat(verifier.check(TestPki.chain(commonNameOnly.certificate, intermediate.certificate),
        "api.example.com", 443, TestPki.trustManager())).isEqualTo(CheckResult.MATCH);
  }

  /** Issue 11, item 9: the JDK accepts a wildcard within the leftmost label from a private CA; so must the pin. */
  @Test
  void acceptsALeafThatNamesTheHostByAPartialWildcardAsTheJdkDoes() throws Exception {
    Issued partial = TestPki.leaf("x").dns("partial-w*.example.com").issuedBy(intermediate).build();
    PinVerifier verifier = verifier("version: 1\npin-sets:\n  - name: api\n    hosts: [\"*.example.com\"]\n"
        + "    pins: [" + intermediate.pin() + "]\n");
    assertThat(verifier.check(TestPki.chain(partial.certificate, intermediate.certificate), "partial-w1.example.com",
        443, trustingBoth)).isEqualTo(CheckResult.MATCH);
    assertThatThrownBy(() -> verifier.check(TestPki.chain(partial.certificate, intermediate.certificate),
        "other.example.com", 443, trustingBoth))
        .isInstanceOf(CertificateException.class).hasMessageContaining("does not name other.example.com");
  }

  @Test
  void enforcesTheSetOfThePeerHostWhenTheSniNameIsUnpinned() {
    PinVerifier verifier = verifier(pinning("enforce", intermediate.pin()));
    assertThatThrownBy(() -> verifier.check(TestPki.chain(evilLeaf.certificate), "unpinned.example.org",
        "api.example.com", 443, trustingBoth)).isInstanceOf(CertificateException.class);
  }

  @Test
  void enforcesTheSetOfAnIpAddressHoweverTheJdkWasGivenIt() {
    PinVerifier verifier = verifier("version: 1\npin-sets:\n  - name: api\n    hosts: [10.0.0.7]\n"
        + "    pins: [" + intermediate.pin() + "]\n");
    for (String spelling : new String[] {"10.0.0.7", "167772167", "010.0.0.7", "10.7"}) {
      assertThatThrownBy(() -> verifier.check(TestPki.chain(evilLeaf.certificate), spelling, 443, trustingBoth))
          .as(spelling).isInstanceOf(CertificateException.class);
    }
  }

  @Test
  void reportsButAllowsAMismatchInReportMode() throws Exception {
    PinVerifier verifier = verifier(pinning("report", intermediate.pin()));
    assertThat(verifier.check(TestPki.chain(evilLeaf.certificate), "api.example.com", 443, trustingBoth))
        .isEqualTo(CheckResult.MISMATCH);
    assertThat(registry().get(PinMetrics.CHECKS).tag("mode", "report").tag("result", "mismatch").functionCounter()
        .count()).isEqualTo(1);
    assertThat(registry().get(PinMetrics.VIOLATIONS).tag("action", "reported").tag("host", "api.example.com")
        .functionCounter().count()).isEqualTo(1);
    assertThat(log).singleElement().asString().contains("action=reported");
  }

  @Test
  void allowsAndCountsAnUnpinnedHost() throws Exception {
    PinVerifier verifier = verifier(pinning("enforce", intermediate.pin()));
    assertThat(verifier.check(TestPki.chain(evilLeaf.certificate), "other.example.com", 443, trustingBoth))
        .isEqualTo(CheckResult.UNPINNED);
    assertThat(checks("none", "unpinned")).isEqualTo(1);
  }

  @Test
  void allowsAndCountsAConnectionWithoutHost() throws Exception {
    PinVerifier verifier = verifier(pinning("enforce", intermediate.pin()));
    assertThat(verifier.check(TestPki.chain(evilLeaf.certificate), null, -1, trustingBoth))
        .isEqualTo(CheckResult.UNKNOWN_HOST);
    assertThat(checks("none", "unknown_host")).isEqualTo(1);
  }

  @Test
  void stopsEnforcingOnTheExpiryDay() throws Exception {
    String today = LocalDate.now(ZoneOffset.UTC).toString();
    String tomorrow = LocalDate.now(ZoneOffset.UTC).plusDays(1).toString();
    PinVerifier expired = verifier(pinning("enforce", intermediate.pin()) + "    expires: " + today + "\n");
    assertThat(expired.check(TestPki.chain(evilLeaf.certificate), "api.example.com", 443, trustingBoth))
        .isEqualTo(CheckResult.EXPIRED);
    PinVerifier live = verifier(pinning("enforce", intermediate.pin()).replace("name: api", "name: api2")
        + "    expires: " + tomorrow + "\n");
    assertThatThrownBy(() -> live.check(TestPki.chain(evilLeaf.certificate), "api.example.com", 443, trustingBoth))
        .isInstanceOf(CertificateException.class);
  }

  /** An expired override stops overriding: its hosts fall back to the next most specific set, never to none. */
  @Test
  void anExpiredExactSetFallsBackToTheBroaderSetInsteadOfLeavingItsHostUnpinned() throws Exception {
    String today = LocalDate.now(ZoneOffset.UTC).toString();
    PinVerifier verifier = verifier("version: 1\npin-sets:\n"
        + "  - name: override\n    hosts: [api.example.com]\n    pins: [" + TestPki.randomPin() + "]\n"
        + "    expires: " + today + "\n"
        + "  - name: domain\n    hosts: [\"**.example.com\"]\n    pins: [" + intermediate.pin() + "]\n");

    assertThatThrownBy(() -> verifier.check(TestPki.chain(evilLeaf.certificate), "api.example.com", 443, trustingBoth))
        .isInstanceOf(CertificateException.class)
        .hasMessageContaining("pin-set 'domain'");
    assertThat(checks("domain", "mismatch")).isEqualTo(1);
  }

  @Test
  void aLiveExactSetStillOverridesTheBroaderSet() throws Exception {
    String tomorrow = LocalDate.now(ZoneOffset.UTC).plusDays(1).toString();
    PinVerifier verifier = verifier("version: 1\npin-sets:\n"
        + "  - name: override\n    hosts: [api.example.com]\n    pins: [" + TestPki.randomPin() + "]\n"
        + "    expires: " + tomorrow + "\n"
        + "  - name: domain\n    hosts: [\"**.example.com\"]\n    pins: [" + intermediate.pin() + "]\n");

    assertThatThrownBy(() -> verifier.check(TestPki.chain(evilLeaf.certificate), "api.example.com", 443, trustingBoth))
        .isInstanceOf(CertificateException.class)
        .hasMessageContaining("pin-set 'override'");
  }

  @Test
  void capsDistinctHostsInTheViolationsMetric() throws Exception {
    PinVerifier verifier = verifier("version: 1\nmode: report\npin-sets:\n  - name: api\n"
        + "    hosts: [\"*.example.com\"]\n    pins: [" + intermediate.pin() + "]\n");
    for (String host : new String[] {"a.example.com", "b.example.com", "c.example.com", "d.example.com"}) {
      verifier.check(TestPki.chain(evilLeaf.certificate), host, 443, trustingBoth);
    }
    assertThat(registry().get(PinMetrics.VIOLATIONS).functionCounters()).extracting(c -> c.getId().getTag("host"))
        .containsExactlyInAnyOrder("none", "a.example.com", "b.example.com", "other");
    assertThat(registry().get(PinMetrics.VIOLATIONS).tag("host", "other").functionCounter().count()).isEqualTo(2);
  }

  @Test
  void failsClosedForAnEnforcedPinnedHostWhenTheCheckItselfFails() {
    PinVerifier verifier = verifier(pinning("enforce", intermediate.pin()));
    X509Certificate[] unreadable = {null};
    assertThatThrownBy(() -> verifier.check(unreadable, "api.example.com", 443, trustingBoth))
        .isInstanceOf(CertificateException.class)
        .hasMessageContaining("Certificate pinning check failed for api.example.com (pin-set 'api')");
    assertThat(checks("api", "error")).isEqualTo(1);
  }

  @Test
  void letsTheOriginalDecisionStandInReportModeWhenTheCheckItselfFails() throws Exception {
    PinVerifier verifier = verifier(pinning("report", intermediate.pin()));
    X509Certificate[] unreadable = {null};
    assertThat(verifier.check(unreadable, "api.example.com", 443, trustingBoth)).isEqualTo(CheckResult.ERROR);
  }

  @Test
  void letsTheOriginalDecisionStandForAnUnpinnedHostWhateverTheChain() throws Exception {
    PinVerifier verifier = verifier(pinning("enforce", intermediate.pin()));
    X509Certificate[] unreadable = {null};
    assertThat(verifier.check(unreadable, "other.example.org", 443, trustingBoth)).isEqualTo(CheckResult.UNPINNED);
    assertThatThrownBy(() -> verifier.check(new X509Certificate[0], "api.example.com", 443, trustingBoth))
        .as("no certificate at all is not a match").isInstanceOf(CertificateException.class)
        .hasMessageContaining("the server sent no certificate");
  }

  @Test
  void reusesARememberedMatchOnlyForTheSameCertificatesNamesAndTrustManager() throws Exception {
    PinVerifier verifier = verifier("version: 1\npin-sets:\n  - name: api\n"
        + "    hosts: [api.example.com, other.example.com]\n    pins: [" + intermediate.pin() + "]\n");
    X509Certificate[] chain = TestPki.chain(leaf.certificate, intermediate.certificate);

    assertThat(verifier.check(chain, "api.example.com", 443, trustingBoth)).isEqualTo(CheckResult.MATCH);
    assertThat(verifier.check(chain.clone(), "api.example.com", 443, trustingBoth)).isEqualTo(CheckResult.MATCH);
    assertThat(checks("api", "match")).isEqualTo(2);
    assertThatThrownBy(() -> verifier.check(chain, "other.example.com", 443, trustingBoth))
        .as("the leaf names api.example.com only: a match remembered for it does not carry over")
        .isInstanceOf(CertificateException.class).hasMessageContaining("does not name other.example.com");
    X509Certificate[] appended = TestPki.chain(evilLeaf.certificate, intermediate.certificate);
    assertThatThrownBy(() -> verifier.check(appended, "api.example.com", 443, trustingBoth))
        .isInstanceOf(CertificateException.class);
  }

  private double matches(String pinSet, String pin) {
    return registry().get(PinMetrics.MATCHES).tag("pin_set", pinSet).tag("pin", pin).functionCounter().count();
  }

  @Test
  void countsEachMatchUnderThePinNearestTheLeafOnTheCertificationPath() throws Exception {
    PinVerifier verifier = verifier(pinning("enforce", root.pin(), intermediate.pin()));
    X509Certificate[] chain = TestPki.chain(leaf.certificate, intermediate.certificate);

    assertThat(verifier.check(chain, "api.example.com", 443, trustingBoth)).isEqualTo(CheckResult.MATCH);
    assertThat(verifier.check(chain.clone(), "api.example.com", 443, trustingBoth))
        .as("the second check is answered from the remembered match").isEqualTo(CheckResult.MATCH);

    assertThat(matches("api", intermediate.pin())).isEqualTo(2);
    assertThat(matches("api", root.pin())).as("the old pin of a rotation: still listed, no longer matched").isZero();
    assertThat(checks("api", "match")).isEqualTo(2);
  }

  @Test
  void countsAPinnedLeafKeyAsThePinThatMatched() throws Exception {
    PinVerifier verifier = verifier(pinning("enforce", leaf.pin(), intermediate.pin()));
    verifier.check(TestPki.chain(leaf.certificate, intermediate.certificate), "api.example.com", 443, trustingBoth);
    assertThat(matches("api", leaf.pin())).isEqualTo(1);
    assertThat(matches("api", intermediate.pin())).isZero();
  }

  @Test
  void registersAMatchCounterForEveryPinBeforeTheFirstCheck() {
    String backup = TestPki.randomPin();
    verifier(pinning("report", intermediate.pin(), backup));
    assertThat(registry().get(PinMetrics.MATCHES).functionCounters()).extracting(c -> c.getId().getTag("pin"))
        .containsExactlyInAnyOrder(intermediate.pin(), backup);
  }

  @Test
  void countsNoPinForAMismatch() {
    PinVerifier verifier = verifier(pinning("enforce", intermediate.pin()));
    assertThatThrownBy(() -> verifier.check(TestPki.chain(evilLeaf.certificate), "api.example.com", 443, trustingBoth))
        .isInstanceOf(CertificateException.class);
    assertThat(matches("api", intermediate.pin())).isZero();
  }

  @Test
  void aRememberedMatchIsCountedWithoutAllocating() throws Exception {
    java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
    org.junit.jupiter.api.Assumptions.assumeTrue(threads instanceof com.sun.management.ThreadMXBean
        && ((com.sun.management.ThreadMXBean) threads).isThreadAllocatedMemorySupported());
    com.sun.management.ThreadMXBean allocations = (com.sun.management.ThreadMXBean) threads;
    PinVerifier verifier = verifier(pinning("enforce", intermediate.pin()));
    X509Certificate[] chain = TestPki.chain(leaf.certificate, intermediate.certificate);
    for (int i = 0; i < 20_000; i++) {
      verifier.check(chain, "api.example.com", 443, trustingBoth);
    }
    long thread = Thread.currentThread().getId();
    long before = allocations.getThreadAllocatedBytes(thread);
    for (int i = 0; i < 10_000; i++) {
      verifier.check(chain, "api.example.com", 443, trustingBoth);
    }
    long allocated = allocations.getThreadAllocatedBytes(thread) - before;
    assertThat(allocated).as("bytes allocated by 10,000 remembered matches").isLessThan(10_000);
    assertThat(matches("api", intermediate.pin())).isEqualTo(30_000);
  }

  @Test
  void registersAViolationSeriesAtZeroForEverySetAndItsActionBeforeTheFirstViolation() {
    verifier("version: 1\npin-sets:\n"
        + "  - name: api\n    hosts: [api.example.com]\n    pins: [" + intermediate.pin() + "]\n"
        + "  - name: trial\n    mode: report\n    hosts: [trial.example.com]\n    pins: [" + root.pin() + "]\n");
    assertThat(registry().get(PinMetrics.VIOLATIONS).functionCounters())
        .extracting(c -> c.getId().getTag("pin_set") + " " + c.getId().getTag("host") + " "
            + c.getId().getTag("action") + " " + c.count())
        .containsExactlyInAnyOrder("api none blocked 0.0", "trial none reported 0.0");
  }

  @Test
  void countsViolationsUnderTheirHostBesideTheSeriesAtZero() {
    PinVerifier verifier = verifier(pinning("enforce", intermediate.pin()));
    assertThatThrownBy(() -> verifier.check(TestPki.chain(evilLeaf.certificate), "api.example.com", 443, trustingBoth))
        .isInstanceOf(CertificateException.class);
    assertThat(registry().get(PinMetrics.VIOLATIONS).tag("host", "none").functionCounter().count()).isZero();
    assertThat(registry().get(PinMetrics.VIOLATIONS).tag("host", "api.example.com").functionCounter().count())
        .isEqualTo(1);
  }

  @Test
  void registersCheckCountersForEverySetBeforeTheFirstCheck() {
    verifier(pinning("enforce", intermediate.pin()));
    assertThat(checks("api", "match")).isZero();
    assertThat(checks("api", "mismatch")).isZero();
    assertThat(registry().get(PinMetrics.POLICY_LOADS).tag("result", "failure").functionCounter().count()).isZero();
  }

  @Test
  void exposesSecondsUntilExpiryAsAGauge() {
    String inTenDays = LocalDate.now(ZoneOffset.UTC).plusDays(10).toString();
    verifier(pinning("enforce", intermediate.pin()) + "    expires: " + inTenDays + "\n");
    double seconds = registry().get(PinMetrics.SET_EXPIRY).tag("pin_set", "api").gauge().value();
    assertThat(seconds).isBetween(9 * 86_400.0, 10 * 86_400.0);
  }

  @Test
  void usesTheJvmDefaultTrustStoreWhenTheTrustManagerNamesNoIssuers() throws Exception {
    // The default trust store holds none of this test's CAs, so a root pin cannot be reached here ...
    PinVerifier verifier = verifier(pinning("enforce", root.pin()));
    X509TrustManager trustAll = TestPki.trustManager();
    assertThatThrownBy(() -> verifier.check(TestPki.chain(leaf.certificate, intermediate.certificate),
        "api.example.com", 443, trustAll)).isInstanceOf(CertificateException.class);
    // ... while a trust manager that names the root lets it be found.
    assertThat(verifier.check(TestPki.chain(leaf.certificate, intermediate.certificate), "api.example.com", 443,
        TestPki.trustManager(root.certificate))).isEqualTo(CheckResult.MATCH);
  }

  /**
   * Issue 11, item 8: a validating manager that names no issuers (it delegates its checks and returns an empty
   * array), not wrapped around one the agent could ask: the root cannot be found, and the message says why.
   */
  @Test
  void saysTheTrustManagerNamedNoIssuersWhenAPinnedRootCannotBeFound() {
    X509TrustManager validating = TestPki.trustManager(root.certificate);
    X509TrustManager namesNone = new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        validating.checkClientTrusted(chain, authType);
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        validating.checkServerTrusted(chain, authType);
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    };
    PinVerifier verifier = verifier(pinning("enforce", root.pin()));

    assertThatThrownBy(() -> verifier.check(TestPki.chain(leaf.certificate, intermediate.certificate),
        "api.example.com", 443, namesNone))
        .isInstanceOf(CertificateException.class)
        .hasMessageContaining("no key on the certification path is pinned; the trust manager that accepted the "
            + "chain names no accepted issuers (getAcceptedIssuers() is empty), so the root above the certificates "
            + "the server sent could not be looked up (the JVM's default trust store does not hold it)")
        .hasMessageContaining("if this is your server, pin a CA certificate it sends, e.g. " + intermediate.pin()
            + " (CN=Good Intermediate), or have the trust manager return its trust anchors");
  }

  @Test
  void saysNothingOfAcceptedIssuersWhenTheTrustManagerNamedThem() {
    PinVerifier verifier = verifier(pinning("enforce", TestPki.randomPin()));
    assertThatThrownBy(() -> verifier.check(TestPki.chain(leaf.certificate, intermediate.certificate),
        "api.example.com", 443, trustingBoth))
        .isInstanceOf(CertificateException.class)
        .message().doesNotContain("accepted issuers");
  }
}
