package dev.pinagent.log;

import dev.pinagent.verify.CheckObserver;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.metrics.PinCounters;
import dev.pinagent.policy.Policy;
import dev.pinagent.policy.yaml.PolicyLoader;
import dev.pinagent.testing.TestPki;
import dev.pinagent.verify.PinVerifier;
import dev.pinagent.verify.PinViolation;
import dev.pinagent.verify.SpkiPins;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;

class ViolationLogTest {
  private static final long MINUTE = ViolationLog.WINDOW_MILLIS;

  private final TestPki.Issued evilRoot = TestPki.ca("CN=Evil Root").build();
  private final X509Certificate[] evilChain =
      TestPki.chain(TestPki.leaf("x").dns("*.example.com").issuedBy(evilRoot).build().certificate);
  private final X509TrustManager trustingEvil = TestPki.trustManager(evilRoot.certificate);

  private final AtomicLong now = new AtomicLong(1_000_000);
  private final List<String> lines = new ArrayList<>();
  private final List<Runnable> scheduled = new ArrayList<>();
  private final List<Long> delays = new ArrayList<>();
  private final ViolationLog log = ViolationLog.of(AgentLog.text(lines::add), now::get, MINUTE,
      (task, delay) -> {
        scheduled.add(task);
        delays.add(delay);
      });
  private final List<PinViolation> violations = new ArrayList<>();
  private final PinVerifier verifier = verifier();

  private PinVerifier verifier() {
    Policy policy = parse("version: 1\nmode: report\npin-sets:\n  - name: api\n"
        + "    hosts: [\"*.example.com\"]\n    pins: [" + TestPki.randomPin() + "]\n");
    return new PinVerifier(policy, new PinCounters(policy, 10), new SpkiPins(100), now::get, violations::add,
        CheckObserver.NONE);
  }

  private PinViolation violation(String host) {
    try {
      violations.clear();
      verifier.check(evilChain, host, 443, trustingEvil);
    } catch (CertificateException e) {
      throw new AssertionError(e);
    }
    return violations.get(0);
  }

  private void runScheduled() {
    List<Runnable> due = new ArrayList<>(scheduled);
    scheduled.clear();
    due.forEach(Runnable::run);
  }

  @Test
  void logsTheFirstViolationInFullThenOneSummaryPerMinute() {
    PinViolation first = violation("a.example.com");
    log.violated(first);
    for (int i = 0; i < 9_999; i++) {
      now.addAndGet(3);
      log.violated(violation("a.example.com"));
    }
    assertThat(lines).containsExactly(first.text());
    assertThat(delays).as("one summary scheduled, due a minute after the full line").containsExactly(MINUTE - 3);

    now.set(1_000_000 + MINUTE);
    runScheduled();

    assertThat(lines).hasSize(2);
    assertThat(lines.get(1)).isEqualTo("[pin-agent] 9999 more pin violations for host=a.example.com port=443 "
        + "pin_set=api action=reported since 1970-01-01T00:16:40.003Z (logged at most once a minute; each is "
        + "counted in tls_pin_violations_total)");
  }

  @Test
  void violationsGoingOnGetOneSummaryPerMinuteAndNoMore() {
    log.violated(violation("a.example.com"));
    for (int minute = 0; minute < 10; minute++) {
      for (int i = 0; i < 1000; i++) {
        now.addAndGet(MINUTE / 1000);
        log.violated(violation("a.example.com"));
      }
      runScheduled();
    }
    assertThat(lines).hasSize(11);
    assertThat(lines.subList(1, 11)).allSatisfy(line -> assertThat(line).contains("more pin violations"));
  }

  @Test
  void aHostQuietForAMinuteIsLoggedInFullAgain() {
    log.violated(violation("a.example.com"));
    now.addAndGet(MINUTE);
    PinViolation later = violation("a.example.com");
    log.violated(later);

    assertThat(lines).hasSize(2).last().isEqualTo(later.text());
    assertThat(scheduled).isEmpty();
  }

  @Test
  void eachHostHasItsOwnLimit() {
    log.violated(violation("a.example.com"));
    log.violated(violation("b.example.com"));
    log.violated(violation("a.example.com"));

    assertThat(lines).hasSize(2);
    assertThat(lines.get(1)).contains("host=b.example.com");
  }

  @Test
  void hostsBeyondTheCapShareOneLimitPerSet() {
    for (int i = 0; i < ViolationLog.MAX_KEYS + 500; i++) {
      log.violated(violation("h" + i + ".example.com"));
    }
    assertThat(lines).hasSize(ViolationLog.MAX_KEYS + 1);

    now.addAndGet(MINUTE);
    runScheduled();

    assertThat(lines).last().asString().startsWith("[pin-agent] 499 more pin violations for host=other ");
  }

  private static Policy parse(String yaml) {
    try {
      return PolicyLoader.parse("p.yaml", yaml);
    } catch (dev.pinagent.policy.PolicyException e) {
      throw new IllegalStateException(e);
    }
  }
}
