package dev.pinagent.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pinagent.metrics.PinCounters;
import dev.pinagent.policy.Policy;
import dev.pinagent.policy.yaml.PolicyLoader;
import dev.pinagent.testing.TestPki;
import dev.pinagent.testing.TestPki.Issued;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;

/** What the verifier tells its listener (the log, the reports) of each violation: every field a report carries. */
class PinViolationTest {
  private static final long NOW = 1_764_000_000_000L;
  private final Issued root = TestPki.ca("CN=Good Root").build();
  private final Issued intermediate = TestPki.ca("CN=Good Intermediate").pathLength(0).issuedBy(root).build();
  private final Issued leaf = TestPki.leaf("api.example.com").dns("api.example.com").issuedBy(intermediate).build();
  private final Issued evilRoot = TestPki.ca("CN=Evil Root").build();
  private final Issued evilLeaf = TestPki.leaf("api.example.com").dns("api.example.com").issuedBy(evilRoot).build();
  private final X509TrustManager trustingBoth = TestPki.trustManager(root.certificate, evilRoot.certificate);
  private final List<PinViolation> told = new ArrayList<>();

  private PinVerifier verifier(String mode) throws Exception {
    Policy policy = PolicyLoader.parse("p.yaml", "version: 1\nmode: " + mode + "\npin-sets:\n  - name: api\n"
        + "    hosts: [api.example.com]\n    pins: [" + intermediate.pin() + "]\n");
    return new PinVerifier(policy, new PinCounters(policy, 10), new SpkiPins(16), () -> NOW, told::add,
        CheckObserver.NONE);
  }

  @Test
  void tellsTheListenerOfABlockedViolationWithTheServedAndValidatedChains() throws Exception {
    PinVerifier verifier = verifier("enforce");
    X509Certificate[] sent = {evilLeaf.certificate, null};

    assertThatThrownBy(() -> verifier.check(sent, "api.example.com", 8443, trustingBoth))
        .isInstanceOf(CertificateException.class);

    assertThat(told).hasSize(1);
    PinViolation violation = told.get(0);
    assertThat(violation.epochMillis()).isEqualTo(NOW);
    assertThat(violation.host()).isEqualTo("api.example.com");
    assertThat(violation.port()).isEqualTo(8443);
    assertThat(violation.set().name()).isEqualTo("api");
    assertThat(violation.action()).isEqualTo(PinViolation.Action.BLOCKED);
    assertThat(violation.action().id()).isEqualTo("blocked");
    assertThat(violation.blocked()).isTrue();
    assertThat(violation.logAction()).isEqualTo("blocked");
    assertThat(violation.event()).isEqualTo(PinViolation.VIOLATION_EVENT);
    assertThat(violation.reason()).isEqualTo("no key on the certification path is pinned");
    assertThat(violation.served()).as("as sent, without the null").containsExactly(evilLeaf.certificate);
    assertThat(violation.validated()).containsExactly(evilLeaf.certificate, evilRoot.certificate);
    assertThat(violation.text()).startsWith("[pin-agent] pin violation: host=api.example.com port=8443 "
        + "pin_set=api action=blocked presented=");
    assertThat(violation.fields()).containsEntry("host", "api.example.com").containsEntry("port", 8443)
        .containsEntry("pin_set", "api").containsEntry("action", "blocked");
  }

  @Test
  void tellsTheListenerOfAReportedViolation() throws Exception {
    PinVerifier verifier = verifier("report");

    assertThat(verifier.check(new X509Certificate[] {evilLeaf.certificate}, "api.example.com", 443, trustingBoth))
        .isEqualTo(CheckResult.MISMATCH);

    PinViolation violation = told.get(0);
    assertThat(violation.action()).isEqualTo(PinViolation.Action.REPORTED);
    assertThat(violation.blocked()).isFalse();
    assertThat(violation.logAction()).isEqualTo("reported");
    assertThat(violation.fields()).containsEntry("action", "reported");
  }

  @Test
  void tellsTheListenerOfACheckErrorAllowedInReportModeAndBlockedInEnforceMode() throws Exception {
    assertThat(verifier("report").check(new X509Certificate[] {null}, "api.example.com", 443, trustingBoth))
        .isEqualTo(CheckResult.ERROR);
    assertThatThrownBy(() -> verifier("enforce").check(new X509Certificate[] {null}, "api.example.com", 443,
        trustingBoth)).isInstanceOf(CertificateException.class);

    assertThat(told).hasSize(2);
    PinViolation allowed = told.get(0);
    assertThat(allowed.action()).isEqualTo(PinViolation.Action.ERROR);
    assertThat(allowed.blocked()).isFalse();
    assertThat(allowed.logAction()).isEqualTo("allowed");
    assertThat(allowed.event()).isEqualTo(PinViolation.CHECK_ERROR_EVENT);
    assertThat(allowed.served()).isEmpty();
    assertThat(allowed.validated()).isEmpty();
    assertThat(allowed.text()).startsWith("[pin-agent] pin check error: host=api.example.com port=443 pin_set=api "
        + "action=allowed error=");
    assertThat(allowed.fields()).containsKey("error").containsEntry("action", "allowed");
    PinViolation blocked = told.get(1);
    assertThat(blocked.blocked()).isTrue();
    assertThat(blocked.logAction()).isEqualTo("blocked");
  }

  @Test
  void tellsNothingOfAMatch() throws Exception {
    assertThat(verifier("enforce").check(TestPki.chain(leaf.certificate, intermediate.certificate),
        "api.example.com", 443, trustingBoth)).isEqualTo(CheckResult.MATCH);
    assertThat(told).isEmpty();
  }

  @Test
  void aListenerThatThrowsNeverChangesTheDecision() throws Exception {
    Policy policy = PolicyLoader.parse("p.yaml", "version: 1\nmode: report\npin-sets:\n  - name: api\n"
        + "    hosts: [api.example.com]\n    pins: [" + intermediate.pin() + "]\n");
    PinVerifier verifier = new PinVerifier(policy, new PinCounters(policy, 10), new SpkiPins(16), () -> NOW,
        violation -> {
          throw new IllegalStateException("listener bug");
        }, CheckObserver.NONE);
    assertThat(verifier.check(new X509Certificate[] {evilLeaf.certificate}, "api.example.com", 443, trustingBoth))
        .isEqualTo(CheckResult.MISMATCH);
  }

  @Test
  void knowsPublicSuffixesAndNamesUnderThem() {
    assertThat(PublicSuffixes.isPublicSuffix("com")).isTrue();
    assertThat(PublicSuffixes.isPublicSuffix("co.uk")).isTrue();
    assertThat(PublicSuffixes.isPublicSuffix("example.com")).isFalse();
    assertThat(PublicSuffixes.isPublicSuffix("example.co.uk")).isFalse();
  }

  private static double agentErrors(PinCounters counters, String stage) {
    io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
        new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    new dev.pinagent.metrics.PinMetrics(counters, () -> NOW).bindTo(registry);
    io.micrometer.core.instrument.FunctionCounter counter =
        registry.find(dev.pinagent.metrics.PinMetrics.AGENT_ERRORS).tag("stage", stage).functionCounter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  void aListenerThatThrowsIsCountedAsAnAgentError() throws Exception {
    Policy policy = PolicyLoader.parse("p.yaml", "version: 1\nmode: report\npin-sets:\n  - name: api\n"
        + "    hosts: [api.example.com]\n    pins: [" + intermediate.pin() + "]\n");
    PinCounters counters = new PinCounters(policy, 10);
    PinVerifier verifier = new PinVerifier(policy, counters, new SpkiPins(16), () -> NOW, violation -> {
      throw new IllegalStateException("listener bug");
    }, CheckObserver.NONE);
    verifier.check(new X509Certificate[] {evilLeaf.certificate}, "api.example.com", 443, trustingBoth);
    assertThat(agentErrors(counters, "violation_listener")).isEqualTo(1);
  }

  @Test
  void tellsTheObserverOfEveryCheckOfANamedHostWithItsOutcome() throws Exception {
    Policy policy = PolicyLoader.parse("p.yaml", "version: 1\nmode: enforce\npin-sets:\n  - name: api\n"
        + "    hosts: [api.example.com]\n    pins: [" + intermediate.pin() + "]\n");
    List<String> observed = new ArrayList<>();
    PinCounters counters = new PinCounters(policy, 10);
    PinVerifier verifier = new PinVerifier(policy, counters, new SpkiPins(16), () -> NOW, told::add,
        (chain, sni, peer, port, trustManager, set, result) -> observed.add(sni + " " + peer + " " + port + " "
            + (set == null ? "-" : set.name()) + " " + result + " " + chain.length));
    X509Certificate[] good = TestPki.chain(leaf.certificate, intermediate.certificate);

    verifier.check(good, "api.example.com", "api.example.com", 443, trustingBoth);
    verifier.check(good, null, "other.example.org", 8443, trustingBoth);
    assertThatThrownBy(() -> verifier.check(new X509Certificate[] {evilLeaf.certificate}, "api.example.com",
        "10.0.0.1", 443, trustingBoth)).isInstanceOf(CertificateException.class);

    assertThat(observed).containsExactly(
        "api.example.com api.example.com 443 api MATCH 2",
        "null other.example.org 8443 - UNPINNED 2",
        "api.example.com 10.0.0.1 443 api null 1");
  }

  @Test
  void anObserverThatThrowsIsCountedAndChangesNothing() throws Exception {
    Policy policy = PolicyLoader.parse("p.yaml", "version: 1\nmode: enforce\npin-sets:\n  - name: api\n"
        + "    hosts: [api.example.com]\n    pins: [" + intermediate.pin() + "]\n");
    PinCounters counters = new PinCounters(policy, 10);
    PinVerifier verifier = new PinVerifier(policy, counters, new SpkiPins(16), () -> NOW, told::add,
        (chain, sni, peer, port, trustManager, set, result) -> {
          throw new IllegalStateException("inventory bug");
        });

    assertThat(verifier.check(TestPki.chain(leaf.certificate, intermediate.certificate), "api.example.com", 443,
        trustingBoth)).isEqualTo(CheckResult.MATCH);
    assertThatThrownBy(() -> verifier.check(new X509Certificate[] {evilLeaf.certificate}, "api.example.com", 443,
        trustingBoth)).isInstanceOf(CertificateException.class);
    assertThat(agentErrors(counters, "inventory")).isEqualTo(2);
  }

  @Test
  void aVerifierForTheNextPolicyKeepsTheListenerTheObserverAndTheCounterStore() throws Exception {
    List<String> observed = new ArrayList<>();
    Policy first = PolicyLoader.parse("p.yaml", "version: 1\nmode: enforce\npin-sets:\n  - name: api\n"
        + "    hosts: [api.example.com]\n    pins: [" + intermediate.pin() + "]\n");
    PinVerifier verifier = new PinVerifier(first, new PinCounters(first, 10), new SpkiPins(16), () -> NOW,
        told::add, (chain, sni, peer, port, trustManager, set, result) -> observed.add(String.valueOf(result)));
    Policy next = PolicyLoader.parse("p.yaml", "version: 1\nmode: report\npin-sets:\n  - name: api\n"
        + "    hosts: [api.example.com]\n    pins: [" + TestPki.randomPin() + "]\n");

    PinVerifier reloaded = verifier.forPolicy(next);

    assertThat(reloaded.policy()).isSameAs(next);
    assertThat(verifier.policy()).isSameAs(first);
    assertThat(reloaded.counters().policy()).isSameAs(next);
    assertThat(reloaded.counters().store()).isSameAs(verifier.counters().store());
    assertThat(reloaded.check(TestPki.chain(leaf.certificate, intermediate.certificate), "api.example.com", 443,
        trustingBoth)).isEqualTo(CheckResult.MISMATCH);
    assertThat(told).singleElement().satisfies(violation -> assertThat(violation.action())
        .isEqualTo(PinViolation.Action.REPORTED));
    assertThat(observed).containsExactly("MISMATCH");
  }

  @Test
  void aViolationWithNoPinnedKeyOnThePathCarriesAdviceAndTheListsOfWhatWasPresented() throws Exception {
    PinVerifier verifier = verifier("report");
    verifier.check(new X509Certificate[] {evilLeaf.certificate}, "api.example.com", 443, trustingBoth);

    assertThat(told.get(0).fields())
        .containsEntry("presented", evilLeaf.pin() + "," + evilRoot.pin())
        .containsEntry("subjects", "\"CN=api.example.com\",\"CN=Evil Root\"")
        .containsKey("advice");
    assertThat(told.get(0).text()).contains(" advice=\"if api.example.com has moved to a new CA on purpose, add ");
  }

  @Test
  void aViolationWithAPinnedKeyOnThePathHasNoAdvice() throws Exception {
    Issued otherName = TestPki.leaf("www.example.com").dns("www.example.com").issuedBy(intermediate).build();
    PinVerifier verifier = verifier("report");
    verifier.check(TestPki.chain(otherName.certificate, intermediate.certificate), "api.example.com", 443,
        trustingBoth);

    assertThat(told.get(0).fields()).doesNotContainKey("advice");
    assertThat(told.get(0).text()).doesNotContain("advice=");
  }
}
