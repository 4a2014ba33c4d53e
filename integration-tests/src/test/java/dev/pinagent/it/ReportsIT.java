package dev.pinagent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.it.clients.ViolationProbe;
import dev.pinagent.it.support.ForkedJvm;
import dev.pinagent.it.support.LabTest;
import dev.pinagent.it.support.Metrics;
import dev.pinagent.testing.ReportCollector;
import dev.pinagent.testing.TestPki;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.Yaml;

/**
 * Violation reports and the agent's log, from forked JVMs with the agent jar, against a collector on 127.0.0.1
 * that records what it receives: what a report carries, deduplication, a collector that fails, hangs or is down
 * (handshakes never wait for it), the loop a pinned collector could cause, JSON log lines, the rate limit.
 */
class ReportsIT extends LabTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final int VIOLATIONS = 2000;

  /** A client in report mode (or {@code mode}) against localhost, with the collector and metrics options. */
  private ForkedJvm.Running probe(Path javaHome, Path policy, String options, int metricsPort) {
    ForkedJvm.Running running = lab.client(javaHome)
        .agent("policy=" + policy + ",metrics.port=" + metricsPort + options)
        .main(ViolationProbe.class, "localhost", String.valueOf(lab.evil.port()))
        .start();
    running.awaitOutput("READY");
    return running;
  }

  /** Sends {@code handshakes N} and waits for its DONE line, which it returns. */
  private static String handshakes(ForkedJvm.Running probe, int count) {
    int round = (int) probe.output().lines().filter(line -> line.startsWith("DONE ")).count() + 1;
    probe.send("handshakes " + count);
    probe.awaitOutput("DONE " + round + " ");
    return probe.output().lines().filter(line -> line.startsWith("DONE " + round + " ")).findFirst().orElseThrow();
  }

  private static double awaitMetric(int port, String name, String label, double expected) {
    long end = System.nanoTime() + WAIT.toNanos();
    double value;
    do {
      value = Metrics.scrape(port).value(name, label);
      if (value >= expected) {
        return value;
      }
      sleep(100);
    } while (System.nanoTime() < end);
    return value;
  }

  @ParameterizedTest
  @MethodSource("modernJvms")
  void reportsABlockedAndAReportedViolationFieldByField(Path javaHome) throws Exception {
    try (ReportCollector collector = ReportCollector.start(ReportCollector.Answer.ACCEPT)) {
      Path policy = lab.policy("version: 1\npin-sets:\n"
          + "  - name: partner\n    mode: enforce\n    hosts: [localhost]\n    expires: 2999-01-01\n"
          + "    pins: [" + lab.goodIntermediate.pin() + "]\n"
          + "  - name: partner-ip\n    mode: report\n    hosts: [\"127.0.0.1\"]\n"
          + "    pins: [" + lab.goodIntermediate.pin() + "]\n");
      int metricsPort = Metrics.freePort();
      ForkedJvm.Running probe = lab.client(javaHome)
          .agent("policy=" + policy + ",metrics.port=" + metricsPort + ",report.uri=" + collector.url("127.0.0.1")
              + ",service.name=billing")
          .main(ViolationProbe.class, "localhost", String.valueOf(lab.evil.port()))
          .start();
      probe.awaitOutput("READY");
      assertThat(handshakes(probe, 1)).contains("ok=0 failed=1");
      collector.awaitRequests(1, WAIT);
      probe.closeInput();
      probe.await();

      ForkedJvm.Running byAddress = lab.client(javaHome)
          .agent("policy=" + policy + ",report.uri=" + collector.url("127.0.0.1"))
          .main(ViolationProbe.class, "127.0.0.1", String.valueOf(lab.evil.port()))
          .start();
      byAddress.awaitOutput("READY");
      assertThat(handshakes(byAddress, 1)).contains("ok=1 failed=0");
      collector.awaitRequests(2, WAIT);
      byAddress.closeInput();
      ForkedJvm.Result reported = byAddress.await();

      System.out.println("[ReportsIT] " + javaHome.getFileName() + " report received: " + collector.bodies().get(0));
      assertThat(collector.contentTypes()).containsOnly("application/json");
      Map<String, Object> blocked = collector.reports().get(0);
      assertThat(blocked).containsEntry("hostname", "localhost")
          .containsEntry("port", lab.evil.port())
          .containsEntry("effective-expiration-date", "2999-01-01T00:00:00Z")
          .containsEntry("include-subdomains", false)
          .containsEntry("noted-hostname", "localhost")
          .containsEntry("known-pins", List.of("pin-sha256=\"" + lab.goodIntermediate.pin().substring(7) + "\""))
          .containsEntry("pin-set", "partner")
          .containsEntry("mode", "enforce")
          .containsEntry("action", "blocked")
          .containsEntry("count", 1)
          .containsEntry("service", "billing")
          .containsKeys("date-time", "reason", "agent-version", "host-name");
      assertThat(parse(blocked.get("served-certificate-chain"))).containsExactly(lab.evilLeaf.certificate);
      assertThat(parse(blocked.get("validated-certificate-chain")))
          .containsExactly(lab.evilLeaf.certificate, lab.evilRoot.certificate);
      assertThat((String) blocked.get("agent-version")).matches("\\d+\\.\\d+\\.\\d+.*");

      Map<String, Object> reportedReport = collector.reports().get(1);
      assertThat(reportedReport).containsEntry("hostname", "127.0.0.1")
          .containsEntry("noted-hostname", "127.0.0.1")
          .containsEntry("pin-set", "partner-ip")
          .containsEntry("mode", "report")
          .containsEntry("action", "reported")
          .containsEntry("service", ViolationProbe.class.getName())
          .doesNotContainKey("effective-expiration-date");
      assertThat(parse(reportedReport.get("served-certificate-chain"))).containsExactly(lab.evilLeaf.certificate);
      assertThat(reported.stderr).contains("[pin-agent] sending violation reports to http://127.0.0.1:"
          + collector.port() + " (queue 1000, identical reports once per 1h)");
    }
  }

  /**
   * 2,000 violations from 4 threads: a report at once, then the count of those held back each time a window ends
   * (two reports if the handshakes take less than the window); one full log line (a summary follows within a
   * minute); the counters see every one. (Not 10,000 here: real handshakes took 80 s and more on two shared cores;
   * ViolationLogTest puts 10,000 violations through the verifier and the log.)
   */
  @ParameterizedTest
  @MethodSource("modernJvms")
  void twoThousandViolationsMakeAFewReportsAndOneLogLine(Path javaHome) {
    try (ReportCollector collector = ReportCollector.start(ReportCollector.Answer.ACCEPT)) {
      int metricsPort = Metrics.freePort();
      ForkedJvm.Running probe = lab.client(javaHome)
          .agent("policy=" + lab.localhostPinnedToGoodIssuer("report") + ",metrics.port=" + metricsPort
              + ",report.uri=" + collector.url("127.0.0.1") + ",report.dedupe=10s")
          .main(dev.pinagent.it.clients.LoadProbe.class, "4", String.valueOf(VIOLATIONS / 4),
              String.valueOf(lab.evil.port()))
          .start();
      long start = System.nanoTime();
      probe.awaitOutput("HOLD");
      long handshakesMillis = (System.nanoTime() - start) / 1_000_000;
      long end = System.nanoTime() + WAIT.toNanos();
      while (countSum(collector.reports()) < VIOLATIONS && System.nanoTime() < end) {
        sleep(200);
      }
      List<Map<String, Object>> reports = collector.reports();
      Metrics metrics = Metrics.scrape(metricsPort);
      probe.closeInput();
      ForkedJvm.Result result = probe.await();

      assertThat(result.stdout).contains("HANDSHAKES ok=" + VIOLATIONS + " failed=0");
      assertThat(countSum(reports)).as("the counts of %s", reports).isEqualTo(VIOLATIONS);
      assertThat(reports.get(0)).containsEntry("count", 1);
      assertThat(reports).as("one report per 10 s window at most, after the first")
          .hasSizeLessThanOrEqualTo(2 + (int) (handshakesMillis / 10_000) + 1);
      assertThat(metrics.value("tls_pin_violations_total", "host=\"localhost\"")).isEqualTo(VIOLATIONS);
      assertThat(metrics.value("tls_pin_reports_total", "outcome=\"sent\"")).isEqualTo(reports.size());
      assertThat(metrics.value("tls_pin_reports_total", "outcome=\"deduplicated\""))
          .isBetween((double) VIOLATIONS - reports.size(), VIOLATIONS - 1.0);
      List<String> agentLines = result.stderr.lines().filter(line -> line.startsWith("[pin-agent]"))
          .collect(Collectors.toList());
      assertThat(agentLines.stream().filter(line -> line.contains("pin violation: "))).hasSize(1);
      assertThat(agentLines.stream().filter(line -> line.contains(" more pin violations for host=localhost ")))
          .hasSizeLessThanOrEqualTo(1 + (int) (handshakesMillis / 60_000));
      System.out.println("[ReportsIT] " + javaHome.getFileName() + " " + VIOLATIONS + " violations in " + handshakesMillis
          + " ms: " + reports.size() + " reports, counts " + reports.stream().map(r -> r.get("count"))
          .collect(Collectors.toList()) + ", " + agentLines.size() + " agent lines on stderr");
    }
  }

  private static long countSum(List<Map<String, Object>> reports) {
    return reports.stream().mapToLong(report -> ((Number) report.get("count")).longValue()).sum();
  }

  @ParameterizedTest
  @MethodSource("modernJvms")
  void aHangingCollectorDropsReportsBeyondTheQueueAndDelaysNoHandshake(Path javaHome) {
    ForkedJvm.Running withoutReports = probe(javaHome, lab.localhostPinnedToGoodIssuer("report"), "",
        Metrics.freePort());
    handshakes(withoutReports, 1);
    String baseline = handshakes(withoutReports, 20);
    withoutReports.closeInput();
    withoutReports.await();
    try (ReportCollector collector = ReportCollector.start(ReportCollector.Answer.HANG)) {
      int metricsPort = Metrics.freePort();
      ForkedJvm.Running probe = probe(javaHome, lab.localhostPinnedToGoodIssuer("report"),
          ",report.uri=" + collector.url("127.0.0.1") + ",report.queue=2,report.dedupe=0s", metricsPort);
      String first = handshakes(probe, 1);
      collector.awaitRequests(1, WAIT);

      String burst = handshakes(probe, 20);
      Metrics metrics = Metrics.scrape(metricsPort);
      int requestsDuringBurst = collector.requests();
      probe.closeInput();
      probe.await();

      assertThat(first).contains("ok=1");
      assertThat(burst).contains("ok=20 failed=0");
      assertThat(requestsDuringBurst).as("the first report still hangs (its attempts only): nothing else was sent")
          .isLessThanOrEqualTo(3);
      assertThat(metrics.value("tls_pin_reports_total", "outcome=\"dropped\"")).isEqualTo(20 - 2);
      System.out.println("[ReportsIT] " + javaHome.getFileName() + " hanging collector: " + burst
          + "; without reports: " + baseline);
    }
  }

  @ParameterizedTest
  @MethodSource("modernJvms")
  void aCollectorAnswering500OrDownCountsEachReportFailedAfterThreeAttempts(Path javaHome) throws Exception {
    try (ReportCollector collector = ReportCollector.start(ReportCollector.Answer.SERVER_ERROR)) {
      int metricsPort = Metrics.freePort();
      ForkedJvm.Running probe = probe(javaHome, lab.localhostPinnedToGoodIssuer("report"),
          ",report.uri=" + collector.url("127.0.0.1") + ",report.dedupe=0s", metricsPort);
      String round = handshakes(probe, 3);
      double failed = awaitMetric(metricsPort, "tls_pin_reports_total", "outcome=\"failed\"", 3);
      probe.closeInput();
      ForkedJvm.Result result = probe.await();

      assertThat(round).contains("ok=3 failed=0");
      assertThat(failed).isEqualTo(3);
      assertThat(collector.requests()).isEqualTo(3 * 3);
      assertThat(result.stderr).containsOnlyOnce("[pin-agent] WARNING: a violation report to http://127.0.0.1:"
          + collector.port() + " failed: HTTP 500;");
      System.out.println("[ReportsIT] " + javaHome.getFileName() + " collector answering 500: " + round);
    }
    int closed = Metrics.freePort();
    int metricsPort = Metrics.freePort();
    ForkedJvm.Running probe = probe(javaHome, lab.localhostPinnedToGoodIssuer("report"),
        ",report.uri=http://127.0.0.1:" + closed + "/,report.dedupe=0s", metricsPort);
    String round = handshakes(probe, 2);
    double failed = awaitMetric(metricsPort, "tls_pin_reports_total", "outcome=\"failed\"", 2);
    probe.closeInput();
    probe.await();
    assertThat(round).contains("ok=2 failed=0");
    assertThat(failed).isEqualTo(2);
    System.out.println("[ReportsIT] " + javaHome.getFileName() + " collector down: " + round);
  }

  /**
   * The collector's own host pinned to a wrong key, in report mode, and every report sent (no deduplication): each
   * report's connection is a violation, which must not be reported in turn, or the reports never end.
   */
  @ParameterizedTest
  @MethodSource("modernJvms")
  void aViolationOnTheCollectorsOwnConnectionIsNotReportedAgain(Path javaHome) {
    try (ReportCollector collector = ReportCollector.startHttps(lab.goodLeaf.keyPair.getPrivate(),
        lab.goodLeaf.certificate, lab.goodIntermediate.certificate)) {
      Path policy = lab.policy("version: 1\nmode: report\npin-sets:\n"
          + "  - name: partner\n    hosts: [localhost]\n    pins: [" + lab.goodIntermediate.pin() + "]\n"
          + "  - name: collector\n    hosts: [\"127.0.0.1\"]\n    pins: [" + TestPki.randomPin() + "]\n");
      int metricsPort = Metrics.freePort();
      ForkedJvm.Running probe = probe(javaHome, policy,
          ",report.uri=" + collector.url("127.0.0.1") + ",report.dedupe=0s", metricsPort);
      handshakes(probe, 2);
      collector.awaitRequests(2, WAIT);
      sleep(3000);
      Metrics metrics = Metrics.scrape(metricsPort);
      probe.closeInput();
      ForkedJvm.Result result = probe.await();

      assertThat(collector.reports()).as("two reports, both about localhost, none about the collector")
          .extracting(report -> report.get("hostname")).containsExactly("localhost", "localhost");
      assertThat(metrics.value("tls_pin_violations_total", "pin_set=\"collector\"", "host=\"127.0.0.1\""))
          .as("the collector's connections were checked, and violated").isGreaterThanOrEqualTo(1);
      assertThat(metrics.value("tls_pin_reports_total", "outcome=\"sent\"")).isEqualTo(2);
      assertThat(result.stderr).contains("pin violation: host=127.0.0.1");
    }
  }

  /**
   * The same in enforce mode: each report's connection is refused, tried three times, and counted failed; the
   * refusals are violations (counted, logged) but produce no report, so the attempts stop there.
   */
  @ParameterizedTest
  @MethodSource("modernJvms")
  void aCollectorWhoseOwnConnectionIsBlockedCountsItsReportsFailedAndStops(Path javaHome) {
    try (ReportCollector collector = ReportCollector.startHttps(lab.goodLeaf.keyPair.getPrivate(),
        lab.goodLeaf.certificate, lab.goodIntermediate.certificate)) {
      Path policy = lab.policy("version: 1\npin-sets:\n"
          + "  - name: partner\n    mode: report\n    hosts: [localhost]\n    pins: [" + lab.goodIntermediate.pin()
          + "]\n  - name: collector\n    mode: enforce\n    hosts: [\"127.0.0.1\"]\n    pins: [" + TestPki.randomPin()
          + "]\n");
      int metricsPort = Metrics.freePort();
      ForkedJvm.Running probe = probe(javaHome, policy,
          ",report.uri=" + collector.url("127.0.0.1") + ",report.dedupe=0s", metricsPort);
      handshakes(probe, 2);
      awaitMetric(metricsPort, "tls_pin_reports_total", "outcome=\"failed\"", 2);
      sleep(3000);
      Metrics metrics = Metrics.scrape(metricsPort);
      probe.closeInput();
      probe.await();

      assertThat(collector.requests()).isZero();
      assertThat(metrics.value("tls_pin_reports_total", "outcome=\"failed\"")).isEqualTo(2);
      assertThat(metrics.value("tls_pin_reports_total", "outcome=\"sent\"")).isZero();
      assertThat(metrics.value("tls_pin_violations_total", "pin_set=\"collector\"", "host=\"127.0.0.1\""))
          .as("two reports, three attempts each, each attempt refused once").isEqualTo(2 * 3);
    }
  }

  @ParameterizedTest
  @MethodSource("modernJvms")
  void everyLineIsOneJsonObjectWithLogFormatJson(Path javaHome) {
    Path policy = lab.policy("version: 1\nmode: report\npin-sets:\n"
        + "  - name: partner\n    hosts: [localhost]\n    pins: [" + lab.goodIntermediate.pin() + "]\n");
    int metricsPort = Metrics.freePort();
    ForkedJvm.Running probe = probe(javaHome, policy, ",log.format=json,report.uri=http://127.0.0.1:"
        + Metrics.freePort() + "/,report.dedupe=0s", metricsPort);
    handshakes(probe, 3);
    awaitMetric(metricsPort, "tls_pin_reports_total", "outcome=\"failed\"", 1);
    probe.closeInput();
    ForkedJvm.Result result = probe.await();
    ForkedJvm.Result fatal = lab.client(javaHome).agent("policy=/no/such/policy.yaml,log.format=json")
        .main(ViolationProbe.class, "localhost", "1").run();

    List<Map<String, Object>> lines = jsonLines(result.stderr);
    assertThat(lines).extracting(line -> line.get("event")).contains("agent.started", "report.started",
        "metrics.started", "pin.violation", "report.failed");
    assertThat(lines).allSatisfy(line -> assertThat(line).containsKeys("time", "level", "message")
        .containsEntry("source", "pin-agent"));
    Map<String, Object> violation = lines.stream().filter(line -> "pin.violation".equals(line.get("event")))
        .findFirst().orElseThrow();
    assertThat(violation).containsEntry("level", "warning").containsEntry("host", "localhost")
        .containsEntry("port", lab.evil.port()).containsEntry("pin_set", "partner")
        .containsEntry("action", "reported").containsKeys("presented", "subjects", "advice");

    assertThat(fatal.exitCode).isEqualTo(78);
    assertThat(jsonLines(fatal.stderr)).extracting(line -> line.get("level")).containsExactly("fatal", "fatal");
  }

  /** Every line of {@code stderr}, parsed: each must be one JSON object. */
  private static List<Map<String, Object>> jsonLines(String stderr) {
    List<Map<String, Object>> parsed = new ArrayList<>();
    for (String line : stderr.split("\n")) {
      if (!line.isBlank()) {
        assertThat(line).as("a line of stderr").startsWith("{").endsWith("}");
        parsed.add(new Yaml().load(line));
      }
    }
    return parsed;
  }

  @SuppressWarnings("unchecked")
  private static List<X509Certificate> parse(Object pems) throws Exception {
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    List<X509Certificate> certificates = new ArrayList<>();
    for (String pem : (List<String>) pems) {
      certificates.add((X509Certificate) factory.generateCertificate(
          new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII))));
    }
    return certificates;
  }
}
