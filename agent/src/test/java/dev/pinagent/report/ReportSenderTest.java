package dev.pinagent.report;

import dev.pinagent.verify.CheckObserver;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.log.AgentLog;
import dev.pinagent.metrics.PinCounters;
import dev.pinagent.metrics.PinMetrics;
import dev.pinagent.policy.Policy;
import dev.pinagent.policy.yaml.PolicyLoader;
import dev.pinagent.testing.ReportCollector;
import dev.pinagent.testing.TestPki;
import dev.pinagent.verify.PinVerifier;
import dev.pinagent.verify.PinViolation;
import dev.pinagent.verify.SpkiPins;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.Authenticator;
import java.net.PasswordAuthentication;
import java.net.ServerSocket;
import java.net.URI;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The sender against a real collector on 127.0.0.1; the forked-JVM side is ReportsIT. */
class ReportSenderTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  private final TestPki.Issued evilRoot = TestPki.ca("CN=Evil Root").build();
  private final X509TrustManager trustingEvil = TestPki.trustManager(evilRoot.certificate);
  private final Policy policy = parse("version: 1\nmode: report\npin-sets:\n"
      + "  - name: partner\n    hosts: [\"*.example.com\"]\n    pins: [" + TestPki.randomPin() + "]\n");
  private final PinCounters counters = new PinCounters(policy, 10);
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final List<String> lines = Collections.synchronizedList(new ArrayList<>());
  private final List<PinViolation> violations = new ArrayList<>();
  private final PinVerifier verifier =
      new PinVerifier(policy, counters, new SpkiPins(100), System::currentTimeMillis, violations::add,
          CheckObserver.NONE);
  private ReportCollector collector;

  ReportSenderTest() {
    new PinMetrics(counters, System::currentTimeMillis).bindTo(meters);
  }

  @AfterEach
  void stopCollector() {
    if (collector != null) {
      collector.close();
    }
  }

  /** A violation of {@code host} with a chain of its own (a new leaf each call unless {@code same}). */
  private PinViolation violation(String host, X509Certificate leaf) {
    try {
      violations.clear();
      verifier.check(TestPki.chain(leaf), host, 443, trustingEvil);
    } catch (CertificateException e) {
      throw new AssertionError(e);
    }
    return violations.get(0);
  }

  private X509Certificate leaf() {
    return TestPki.leaf("x").dns("*.example.com").issuedBy(evilRoot).build().certificate;
  }

  private ReportSender sender(String uri, int queue, Duration dedupe) {
    return ReportSender.create(URI.create(uri), queue, dedupe, "svc", "test", counters, AgentLog.text(lines::add))
        .start();
  }

  private double reports(String outcome) {
    return meters.get(PinMetrics.REPORTS).tag("outcome", outcome).functionCounter().count();
  }

  private void awaitReports(String outcome, double count) {
    long end = System.nanoTime() + WAIT.toNanos();
    while (reports(outcome) < count && System.nanoTime() < end) {
      sleep(20);
    }
    assertThat(reports(outcome)).as("reports %s", outcome).isEqualTo(count);
  }

  @Test
  void postsEachReportAsJson() {
    collector = ReportCollector.start(ReportCollector.Answer.ACCEPT);
    ReportSender sender = sender(collector.url("127.0.0.1"), 10, Duration.ZERO);

    sender.violated(violation("a.example.com", leaf()));
    sender.violated(violation("b.example.com", leaf()));

    collector.awaitRequests(2, WAIT);
    awaitReports("sent", 2);
    assertThat(collector.contentTypes()).containsOnly("application/json");
    assertThat(collector.reports()).extracting(report -> report.get("hostname"))
        .containsExactlyInAnyOrder("a.example.com", "b.example.com");
  }

  @Test
  void identicalReportsAreSentOncePerWindowThenWithTheCountHeldBack() {
    collector = ReportCollector.start(ReportCollector.Answer.ACCEPT);
    ReportSender sender = sender(collector.url("127.0.0.1"), 10, Duration.ofSeconds(2));
    X509Certificate leaf = leaf();

    for (int i = 0; i < 5; i++) {
      sender.violated(violation("a.example.com", leaf));
    }
    sender.violated(violation("a.example.com", leaf()));

    collector.awaitRequests(3, WAIT);
    List<Map<String, Object>> received = collector.reports();
    assertThat(received).extracting(report -> report.get("count")).containsExactly(1, 1, 4);
    assertThat(reports("deduplicated")).isEqualTo(4);
    awaitReports("sent", 3);
  }

  @Test
  void aCollectorAnswering500IsTriedThreeTimesThenCountedFailed() {
    collector = ReportCollector.start(ReportCollector.Answer.SERVER_ERROR);
    ReportSender sender = sender(collector.url("127.0.0.1"), 10, Duration.ZERO);

    sender.violated(violation("a.example.com", leaf()));

    awaitReports("failed", 1);
    assertThat(collector.requests()).isEqualTo(ReportSender.MAX_ATTEMPTS);
    assertThat(reports("sent")).isZero();
    assertThat(lines).singleElement().asString().startsWith("[pin-agent] WARNING: a violation report to http://"
        + "127.0.0.1:" + collector.port() + " failed: HTTP 500;");
  }

  /**
   * Two things keep the application's credentials from the collector: the sender's connection has an Authenticator
   * of its own that has none, and its fixed-length body cannot be sent again with credentials anyway. This test
   * holds the outcome; removing either alone does not make it fail.
   */
  @Test
  void aCollectorAskingForCredentialsIsNotGivenTheApplications() {
    collector = ReportCollector.start(ReportCollector.Answer.ASK_FOR_CREDENTIALS);
    Authenticator.setDefault(new Authenticator() {
      @Override
      protected PasswordAuthentication getPasswordAuthentication() {
        return new PasswordAuthentication("application", "secret".toCharArray());
      }
    });
    try {
      ReportSender sender = sender(collector.url("127.0.0.1"), 10, Duration.ZERO);
      sender.violated(violation("a.example.com", leaf()));

      awaitReports("failed", 1);
      assertThat(collector.authorizations()).isEmpty();
      assertThat(collector.requests()).as("a 401 is not tried again").isEqualTo(1);
    } finally {
      Authenticator.setDefault(null);
    }
  }

  @Test
  void aCollectorThatIsDownIsCountedFailed() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    ReportSender sender = sender("http://127.0.0.1:" + closedPort + "/", 10, Duration.ZERO);

    sender.violated(violation("a.example.com", leaf()));
    sender.violated(violation("b.example.com", leaf()));

    awaitReports("failed", 2);
  }

  @Test
  void aHangingCollectorFillsTheQueueAndTheRestIsDroppedNotWaitedFor() {
    collector = ReportCollector.start(ReportCollector.Answer.HANG);
    ReportSender sender = sender(collector.url("127.0.0.1"), 3, Duration.ZERO);
    sender.violated(violation("a.example.com", leaf()));
    collector.awaitRequests(1, WAIT);

    long start = System.nanoTime();
    for (int i = 0; i < 10; i++) {
      sender.violated(violation("h" + i + ".example.com", leaf()));
    }
    long tookMillis = (System.nanoTime() - start) / 1_000_000;

    assertThat(reports("dropped")).isEqualTo(10 - 3);
    assertThat(collector.requests()).as("still the first report, in flight").isEqualTo(1);
    assertThat(tookMillis).as("no call waited for the collector's read timeout")
        .isLessThan(ReportSender.READ_TIMEOUT_MILLIS);
    assertThat(lines).singleElement().asString().contains("is full (3)");
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Policy parse(String yaml) {
    try {
      return PolicyLoader.parse("p.yaml", yaml);
    } catch (dev.pinagent.policy.PolicyException e) {
      throw new IllegalStateException(e);
    }
  }
}
