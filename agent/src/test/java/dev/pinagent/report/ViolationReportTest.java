package dev.pinagent.report;

import dev.pinagent.verify.CheckObserver;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.metrics.PinCounters;
import dev.pinagent.policy.Policy;
import dev.pinagent.policy.yaml.PolicyLoader;
import dev.pinagent.testing.TestPki;
import dev.pinagent.verify.PinVerifier;
import dev.pinagent.verify.PinViolation;
import dev.pinagent.verify.SpkiPins;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

class ViolationReportTest {
  private final TestPki.Issued evilRoot = TestPki.ca("CN=Evil Root,O=Interceptor").build();
  private final TestPki.Issued evilIntermediate =
      TestPki.ca("CN=Evil Issuing CA").pathLength(0).issuedBy(evilRoot).build();
  private final TestPki.Issued evilLeaf =
      TestPki.leaf("api.example.com").dns("api.example.com").issuedBy(evilIntermediate).build();
  private final X509Certificate[] served = TestPki.chain(evilLeaf.certificate, evilIntermediate.certificate);
  private final X509TrustManager trustingEvil = TestPki.trustManager(evilRoot.certificate);
  private final String pin = TestPki.randomPin();
  private final String backup = TestPki.randomPin();
  private final ViolationReport.Origin origin = new ViolationReport.Origin("1.2.3", "billing.jar", "host-1");
  private final List<PinViolation> violations = new ArrayList<>();

  private PinViolation violate(String mode, String hosts, String extra) {
    Policy policy = parse("version: 1\nmode: " + mode + "\npin-sets:\n  - name: partner\n"
        + "    hosts: " + hosts + "\n    pins: [" + pin + ", " + backup + "]\n" + extra);
    PinVerifier verifier = new PinVerifier(policy, new PinCounters(policy, 10), new SpkiPins(100),
        () -> 1_764_619_200_000L, violations::add, CheckObserver.NONE);
    try {
      verifier.check(served, "api.example.com", 8443, trustingEvil);
    } catch (CertificateException e) {
      // Blocked: the report is made all the same.
    }
    return violations.get(violations.size() - 1);
  }

  /** The report as the collector parses it. */
  private Map<String, Object> report(PinViolation violation, long count) {
    return new Yaml().load(dev.pinagent.json.Json.line(ViolationReport.json(violation, count, origin)));
  }

  @Test
  void aBlockedViolationCarriesTheRfc7469FieldsThenTheAgentsOwn() {
    Map<String, Object> report = report(violate("enforce", "[api.example.com]", ""), 1);

    assertThat(report.keySet()).containsExactly("date-time", "hostname", "port", "include-subdomains",
        "noted-hostname", "served-certificate-chain", "validated-certificate-chain", "known-pins", "pin-set", "mode",
        "action", "reason", "count", "agent-version", "service", "host-name");
    assertThat(report).containsEntry("date-time", "2025-12-01T20:00:00Z")
        .containsEntry("hostname", "api.example.com")
        .containsEntry("port", 8443)
        .containsEntry("include-subdomains", false)
        .containsEntry("noted-hostname", "api.example.com")
        .containsEntry("known-pins", List.of("pin-sha256=\"" + pin.substring(7) + "\"",
            "pin-sha256=\"" + backup.substring(7) + "\""))
        .containsEntry("pin-set", "partner")
        .containsEntry("mode", "enforce")
        .containsEntry("action", "blocked")
        .containsEntry("count", 1)
        .containsEntry("agent-version", "1.2.3")
        .containsEntry("service", "billing.jar")
        .containsEntry("host-name", "host-1");
    assertThat((String) report.get("reason")).isNotBlank();
  }

  @Test
  void chainsArePemThatParsesBackToTheServedAndTheValidatedCertificates() {
    Map<String, Object> report = report(violate("report", "[api.example.com]", ""), 1);

    assertThat(parse(report.get("served-certificate-chain")))
        .containsExactly(evilLeaf.certificate, evilIntermediate.certificate);
    assertThat(parse(report.get("validated-certificate-chain")))
        .containsExactly(evilLeaf.certificate, evilIntermediate.certificate, evilRoot.certificate);
    assertThat(report).containsEntry("action", "reported").containsEntry("mode", "report");
  }

  @Test
  void aWildcardPatternIsTheNotedHostnameAndIncludesSubdomains() {
    Map<String, Object> report = report(violate("report", "[\"**.example.com\"]", ""), 3);

    assertThat(report).containsEntry("noted-hostname", "**.example.com").containsEntry("include-subdomains", true)
        .containsEntry("count", 3);
  }

  @Test
  void theNotedHostnameIsTheMostSpecificPatternOfTheSet() {
    assertThat(report(violate("report", "[\"*.example.com\", api.example.com]", ""), 1))
        .containsEntry("noted-hostname", "api.example.com").containsEntry("include-subdomains", false);
  }

  @Test
  void anExpiringSetGivesTheEffectiveExpirationDate() {
    assertThat(report(violate("report", "[api.example.com]", "    expires: 2999-01-31\n"), 1))
        .containsEntry("effective-expiration-date", "2999-01-31T00:00:00Z");
  }

  @Test
  void aCheckErrorIsReportedWithActionErrorAndNoValidatedChain() {
    Policy policy = parse("version: 1\nmode: report\npin-sets:\n  - name: partner\n"
        + "    hosts: [api.example.com]\n    pins: [" + pin + "]\n");
    PinVerifier verifier = new PinVerifier(policy, new PinCounters(policy, 10), new SpkiPins(100),
        System::currentTimeMillis, violations::add, CheckObserver.NONE);
    X509TrustManager failing = new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        throw new IllegalStateException("issuers unavailable");
      }
    };
    try {
      verifier.check(served, "api.example.com", 443, failing);
    } catch (CertificateException e) {
      throw new AssertionError("report mode must not block", e);
    }

    Map<String, Object> report = report(violations.get(0), 1);
    assertThat(report).containsEntry("action", "error").containsEntry("validated-certificate-chain", List.of());
    assertThat((String) report.get("reason")).contains("issuers unavailable");
    assertThat(parse(report.get("served-certificate-chain"))).hasSize(2);
  }

  @Test
  void theDefaultServiceIsTheJarOrTheMainClass() {
    assertThat(ReportSender.serviceOf("/opt/app/billing-2.1.jar --port 8080")).isEqualTo("billing-2.1.jar");
    assertThat(ReportSender.serviceOf("com.example.Main arg")).isEqualTo("com.example.Main");
    assertThat(ReportSender.serviceOf(null)).isEqualTo("unknown");
    assertThat(ReportSender.serviceOf("  ")).isEqualTo("unknown");
  }

  @SuppressWarnings("unchecked")
  private static List<X509Certificate> parse(Object pems) {
    List<X509Certificate> certificates = new ArrayList<>();
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      for (String pem : (List<String>) pems) {
        assertThat(pem).startsWith("-----BEGIN CERTIFICATE-----\n").endsWith("-----END CERTIFICATE-----\n");
        certificates.add((X509Certificate) factory.generateCertificate(
            new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII))));
      }
    } catch (CertificateException e) {
      throw new AssertionError(e);
    }
    return certificates;
  }

  private static Policy parse(String yaml) {
    try {
      return PolicyLoader.parse("p.yaml", yaml);
    } catch (dev.pinagent.policy.PolicyException e) {
      throw new IllegalStateException(e);
    }
  }
}
