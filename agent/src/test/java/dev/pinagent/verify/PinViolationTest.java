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
    return new PinVerifier(policy, new PinCounters(policy, 10), new SpkiPins(16), () -> NOW, told::add);
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
        });
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
}
