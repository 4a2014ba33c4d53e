package dev.pinagent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.it.clients.HttpsProbe;
import dev.pinagent.it.support.ForkedJvm;
import dev.pinagent.it.support.Metrics;
import dev.pinagent.it.support.TlsServer;
import dev.pinagent.it.support.LabTest;
import dev.pinagent.testing.TestPki;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every outcome of a check, seen from outside: report mode, expired sets, unpinned hosts, pins on a root the
 * server never sends, the JDK's own hostname check kept, and the counts on the scraped {@code /metrics}.
 */
class PolicyOutcomesIT extends LabTest {
  @ParameterizedTest(name = "{0}")
  @MethodSource("jvms")
  void countsEachOutcomeOnTheScrapedMetricsEndpoint(Path javaHome) {
    int port = Metrics.freePort();
    ForkedJvm.Running child = lab.client(javaHome)
        .agent("policy=" + lab.localhostPinnedToGoodIssuer("enforce") + ",metrics.port=" + port)
        .main(HttpsProbe.class, "jdk-default", "--hold",
            lab.good.url("localhost"), lab.evil.url("localhost"), lab.evil.url("127.0.0.1"))
        .start();
    Metrics metrics = child.scrapeOnHold(port);
    ForkedJvm.Result result = child.await();

    assertThat(result.resultFor(lab.good.url("localhost"))).startsWith("OK");
    assertThat(result.resultFor(lab.evil.url("localhost"))).startsWith("FAIL");
    assertThat(result.resultFor(lab.evil.url("127.0.0.1"))).as("127.0.0.1 is not pinned").startsWith("OK");
    assertThat(metrics.value("tls_pin_checks_total", "pin_set=\"partner\"", "result=\"match\"",
        "mode=\"enforce\"")).as(metrics.text()).isEqualTo(1);
    assertThat(metrics.value("tls_pin_checks_total", "pin_set=\"partner\"", "result=\"mismatch\"")).isEqualTo(1);
    assertThat(metrics.value("tls_pin_checks_total", "pin_set=\"none\"", "result=\"unpinned\"")).isEqualTo(1);
    assertThat(metrics.text()).as("the match, under the pin found on the path")
        .contains("tls_pin_matches_total{pin=\"" + lab.goodIntermediate.pin() + "\",pin_set=\"partner\"} 1.0");
    assertThat(metrics.value("tls_pin_violations_total", "pin_set=\"partner\"", "host=\"localhost\"",
        "action=\"blocked\"")).isEqualTo(1);
    assertThat(metrics.value("tls_pin_policy_loads_total", "result=\"success\"")).isEqualTo(1);
    assertThat(metrics.value("tls_pin_trust_managers_wrapped_total")).isGreaterThanOrEqualTo(1);
    assertThat(metrics.value("tls_pin_agent_errors_total")).isZero();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("jvms")
  void reportModeLetsTheMismatchThroughAndCountsIt(Path javaHome) {
    int port = Metrics.freePort();
    ForkedJvm.Running child = lab.client(javaHome)
        .agent("policy=" + lab.localhostPinnedToGoodIssuer("report") + ",metrics.port=" + port)
        .main(HttpsProbe.class, "jdk-default", "--hold", lab.evil.url("localhost"))
        .start();
    Metrics metrics = child.scrapeOnHold(port);
    ForkedJvm.Result result = child.await();

    assertThat(result.resultFor(lab.evil.url("localhost"))).startsWith("OK 200 hello from evil");
    assertThat(result.stderr).contains("pin violation: host=localhost port=" + lab.evil.port()
        + " pin_set=partner action=reported");
    assertThat(metrics.value("tls_pin_checks_total", "pin_set=\"partner\"", "result=\"mismatch\"",
        "mode=\"report\"")).isEqualTo(1);
    assertThat(metrics.value("tls_pin_violations_total", "host=\"localhost\"", "action=\"reported\"")).isEqualTo(1);
    assertThat(metrics.text()).as("the set's series at zero stays beside the violating host's")
        .contains("tls_pin_violations_total{action=\"reported\",host=\"none\",pin_set=\"partner\"} 0.0");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("jvms")
  void reportModeNeverLetsThroughWhatTheJvmRefuses(Path javaHome) {
    TestPki.Issued unknownCa = TestPki.ca("CN=Unknown CA").build();
    TestPki.Issued untrustedLeaf = TestPki.leaf("localhost").dns("localhost").issuedBy(unknownCa).build();
    try (TlsServer untrusted = TlsServer.start("untrusted", "127.0.0.1", untrustedLeaf.keyPair.getPrivate(),
        untrustedLeaf.certificate)) {
      ForkedJvm.Result result = lab.client(javaHome)
          .agent("policy=" + lab.policy("version: 1\nmode: report\npin-sets:\n  - name: partner\n"
              + "    hosts: [localhost]\n    pins: [" + TestPki.randomPin() + "]\n"))
          .main(HttpsProbe.class, "jdk-default", lab.wrongName.url("localhost"), untrusted.url("localhost"))
          .run();

      assertThat(result.resultFor(lab.wrongName.url("localhost"))).as(result.toString())
          .startsWith("FAIL").contains("No subject alternative DNS name matching localhost");
      assertThat(result.resultFor(untrusted.url("localhost"))).as(result.toString())
          .startsWith("FAIL").contains("PKIX path building failed");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("jvms")
  void keepsTheJdkHostnameCheckAroundAPlainTrustManager(Path javaHome) {
    ForkedJvm.Result result = lab.client(javaHome)
        .agent("policy=" + lab.localhostPinnedToGoodIssuer("enforce"))
        .main(HttpsProbe.class, "jdk-plain-tm", lab.wrongName.url("localhost"), lab.good.url("localhost"))
        .run();

    assertThat(result.resultFor(lab.wrongName.url("localhost"))).as(result.toString())
        .startsWith("FAIL").contains("No subject alternative DNS name matching localhost");
    assertThat(result.resultFor(lab.good.url("localhost"))).startsWith("OK");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("jvms")
  void acceptsEveryServerOnceTheSetHasExpired(Path javaHome) {
    int port = Metrics.freePort();
    String today = LocalDate.now(ZoneOffset.UTC).toString();
    ForkedJvm.Running child = lab.client(javaHome)
        .agent("policy=" + lab.policy("version: 1\npin-sets:\n  - name: partner\n    hosts: [localhost]\n"
            + "    pins: [" + lab.goodIntermediate.pin() + "]\n    expires: " + today + "\n")
            + ",metrics.port=" + port)
        .main(HttpsProbe.class, "jdk-default", "--hold", lab.evil.url("localhost"))
        .start();
    Metrics metrics = child.scrapeOnHold(port);
    ForkedJvm.Result result = child.await();

    assertThat(result.resultFor(lab.evil.url("localhost"))).startsWith("OK 200 hello from evil");
    assertThat(metrics.value("tls_pin_checks_total", "pin_set=\"partner\"", "result=\"expired\"")).isEqualTo(1);
    assertThat(metrics.value("tls_pin_set_expiry_seconds", "pin_set=\"partner\"")).isLessThanOrEqualTo(0);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("jvms")
  void matchesAPinnedRootTheServerNeverSendsEvenThroughATrustAllManager(Path javaHome) {
    Path policy = lab.policy("version: 1\npin-sets:\n  - name: partner\n    hosts: [localhost]\n"
        + "    pins: [" + lab.goodRoot.pin() + ", " + TestPki.randomPin() + "]\n");
    for (String client : new String[] {"jdk-default", "trust-all"}) {
      ForkedJvm.Result result = lab.client(javaHome)
          .agent("policy=" + policy)
          .main(HttpsProbe.class, client, lab.good.url("localhost"), lab.evil.url("localhost"))
          .run();

      assertThat(result.resultFor(lab.good.url("localhost"))).as(client + "\n" + result).startsWith("OK");
      assertThat(result.resultFor(lab.evil.url("localhost"))).as(client + "\n" + result)
          .startsWith("FAIL").contains("Certificate pinning failure for host localhost");
    }
  }

  /**
   * Issue 11, item 8: the hand-written manager validates against its own trust store and names no issuers;
   * the JVM's default trust store does not hold the pinned root. The agent asks the factory's manager that
   * the hand-written one delegated to.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("jvms")
  void matchesAPinnedRootBehindAHandWrittenTrustManagerThatNamesNoIssuers(Path javaHome) {
    Path policy = lab.policy("version: 1\npin-sets:\n  - name: partner\n    hosts: [localhost]\n"
        + "    pins: [" + lab.goodRoot.pin() + ", " + TestPki.randomPin() + "]\n");
    ForkedJvm.Result result = ForkedJvm.on(javaHome)
        .jvmOption("-Dprobe.trustStore=" + lab.trustStore)
        .agent("policy=" + policy)
        .main(HttpsProbe.class, "jdk-empty-issuers-tm", lab.good.url("localhost"), lab.evil.url("localhost"))
        .run();

    assertThat(result.resultFor(lab.good.url("localhost"))).as(result.toString()).startsWith("OK");
    assertThat(result.resultFor(lab.evil.url("localhost"))).as(result.toString())
        .startsWith("FAIL").contains("Certificate pinning failure for host localhost");
  }
}
