package dev.pinagent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pinagent.log.AgentLog;
import dev.pinagent.metrics.PinCounters;
import dev.pinagent.metrics.PinMetrics;
import dev.pinagent.policy.Policy;
import dev.pinagent.policy.yaml.PolicyLoader;
import dev.pinagent.testing.TestPki;
import dev.pinagent.testing.TestPki.Issued;
import dev.pinagent.verify.PinVerifier;
import dev.pinagent.verify.SpkiPins;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;

/** A reload as the agent makes it: a new snapshot swapped in whole, its counters continuing the old ones. */
class PolicySwitchTest {
  private final Issued root = TestPki.ca("CN=Good Root").build();
  private final Issued intermediate = TestPki.ca("CN=Good Intermediate").pathLength(0).issuedBy(root).build();
  private final Issued leaf = TestPki.leaf("api.example.com").dns("api.example.com").issuedBy(intermediate).build();
  private final X509Certificate[] chain = TestPki.chain(leaf.certificate, intermediate.certificate);
  private final X509TrustManager trustManager = TestPki.trustManager(root.certificate);
  private final List<String> log = new ArrayList<>();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  private static Policy policy(String apiPin, String apiMode, String extraSet) throws Exception {
    return PolicyLoader.parse("pins.yaml", "version: 1\nmode: enforce\npin-sets:\n"
        + "  - name: api\n    mode: " + apiMode + "\n    hosts: [api.example.com]\n    pins: [" + apiPin + "]\n"
        + (extraSet == null ? "" : "  - name: " + extraSet + "\n    hosts: [" + extraSet + ".example.com]\n"
            + "    pins: [" + TestPki.randomPin() + "]\n    expires: 2099-01-01\n"));
  }

  private double count(String name, String... tags) {
    return meters.get(name).tags(tags).functionCounter().count();
  }

  @Test
  void aReloadedPolicyDecidesEveryLaterCheckAndCountsContinue() throws Exception {
    Policy first = policy(intermediate.pin(), "enforce", "old");
    PinCounters counters = new PinCounters(first, 10);
    counters.policyLoaded("aaaaaaaaaaaa", "/etc/pins.yaml", 1_000);
    AgentEnforcement enforcement = new AgentEnforcement(
        new PinVerifier(first, counters, new SpkiPins(16), log::add, System::currentTimeMillis), counters, log::add);
    PinMetrics metrics = new PinMetrics(counters, System::currentTimeMillis);
    metrics.bindTo(meters);
    enforcement.check(chain, "api.example.com", "api.example.com", 443, trustManager);
    Object stampBefore = enforcement.policyStamp();

    PolicySwitch policySwitch = new PolicySwitch(enforcement, "/etc/pins.yaml", AgentLog.text(log::add), () -> 2_000);
    Policy second = policy(TestPki.randomPin(), "enforce", "new");
    policySwitch.install(second, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");

    assertThatThrownBy(() -> enforcement.check(chain, "api.example.com", "api.example.com", 443, trustManager))
        .as("the new policy no longer pins this chain's key")
        .isInstanceOf(CertificateException.class);
    assertThat(enforcement.policyStamp()).as("sessions checked before are not resumed").isNotSameAs(stampBefore);
    assertThat(log).anySatisfy(line -> assertThat(line).startsWith("[pin-agent] policy reloaded: pinning 2 pin-set(s) "
        + "from /etc/pins.yaml (default mode enforce, sha256 bbbbbbbbbbbb, was aaaaaaaaaaaa); "));

    metrics.refresh();
    assertThat(count(PinMetrics.CHECKS, "pin_set", "api", "result", "match", "mode", "enforce"))
        .as("a set that survives keeps its count").isEqualTo(1);
    assertThat(count(PinMetrics.CHECKS, "pin_set", "api", "result", "mismatch", "mode", "enforce")).isEqualTo(1);
    assertThat(count(PinMetrics.CHECKS, "pin_set", "new", "result", "match", "mode", "enforce"))
        .as("a new set appears at zero").isZero();
    assertThat(count(PinMetrics.CHECKS, "pin_set", "old", "result", "match", "mode", "enforce"))
        .as("a removed set's series stays, frozen").isZero();
    assertThat(meters.find(PinMetrics.SET_EXPIRY).tag("pin_set", "old").gauge()).as("its expiry gauge goes").isNull();
    assertThat(meters.get(PinMetrics.SET_EXPIRY).tag("pin_set", "new").gauge().value()).isPositive();
    assertThat(meters.find(PinMetrics.POLICY_INFO).gauges()).singleElement()
        .satisfies(info -> assertThat(info.getId().getTag("sha256")).isEqualTo("bbbbbbbbbbbb"));
    assertThat(meters.get(PinMetrics.POLICY_LOADED).gauge().value()).isEqualTo(2.0);
    assertThat(count(PinMetrics.POLICY_LOADS, "result", "success", "reason", "none")).isEqualTo(2);
  }

  @Test
  void aSetWhoseModeChangesCountsUnderItsNewModeFromThen() throws Exception {
    Policy first = policy(TestPki.randomPin(), "report", null);
    PinCounters counters = new PinCounters(first, 10);
    AgentEnforcement enforcement = new AgentEnforcement(
        new PinVerifier(first, counters, new SpkiPins(16), log::add, System::currentTimeMillis), counters, log::add);
    PinMetrics metrics = new PinMetrics(counters, System::currentTimeMillis);
    metrics.bindTo(meters);
    enforcement.check(chain, "api.example.com", "api.example.com", 443, trustManager);

    new PolicySwitch(enforcement, "pins.yaml", AgentLog.text(log::add), System::currentTimeMillis)
        .install(policy(TestPki.randomPin(), "enforce", null), "cccccccccccc");
    assertThatThrownBy(() -> enforcement.check(chain, "api.example.com", "api.example.com", 443, trustManager))
        .isInstanceOf(CertificateException.class);

    metrics.refresh();
    assertThat(count(PinMetrics.CHECKS, "pin_set", "api", "result", "mismatch", "mode", "report")).isEqualTo(1);
    assertThat(count(PinMetrics.CHECKS, "pin_set", "api", "result", "mismatch", "mode", "enforce")).isEqualTo(1);
    assertThat(count(PinMetrics.VIOLATIONS, "pin_set", "api", "host", "api.example.com", "action", "reported"))
        .isEqualTo(1);
    assertThat(count(PinMetrics.VIOLATIONS, "pin_set", "api", "host", "api.example.com", "action", "blocked"))
        .isEqualTo(1);
  }

  @Test
  void namesNoPolicyWhileStartedUnpinned() {
    PinCounters counters = new PinCounters(Policy.builder(dev.pinagent.policy.Mode.REPORT).build(), 10);
    counters.store().policyStatus().failing(true);
    new PinMetrics(counters, System::currentTimeMillis).bindTo(meters);

    assertThat(meters.find(PinMetrics.POLICY_INFO).gauges()).isEmpty();
    assertThat(meters.get(PinMetrics.POLICY_RELOAD_FAILING).gauge().value()).isEqualTo(1.0);
    assertThat(meters.get(PinMetrics.POLICY_LOADED).gauge().value()).isNaN();
  }
}
