package dev.pinagent.report;

import dev.pinagent.policy.HostPattern;
import dev.pinagent.policy.Pin;
import dev.pinagent.policy.PinSet;
import dev.pinagent.verify.PinViolation;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The body of one violation report: the fields of RFC 7469 section 3 (what HPKP browsers and TrustKit sent), then
 * the agent's own. Certificates and names only: nothing of the application's requests (no URL path, no header)
 * ever reaches the agent's check, so none can leak into a report.
 *
 * <pre>
 * date-time                    when the violation happened (RFC 3339, UTC)
 * hostname, port               the connection's host (the name the pin-set was found for) and port
 * effective-expiration-date    the pin-set's expires, as the instant it stops being enforced; absent without one
 * include-subdomains           whether the pattern that matched the host is a wildcard
 * noted-hostname               that pattern, as in the policy
 * served-certificate-chain     the certificates the server sent, PEM, in the order sent
 * validated-certificate-chain  the path the agent built, leaf first, with its anchor, PEM; empty for an error
 * known-pins                   the set's pins as RFC 7469 writes them: pin-sha256="..."
 * pin-set, mode, action        the set, its mode, and blocked | reported | error
 * reason                       why the chain does not match, or what failed
 * count                        the violations this report stands for: 1, or the identical ones held back since
 *                              this chain's previous report (see report.dedupe), plus this one
 * agent-version, service, host-name   who sends it: the agent, the service (service.name), the machine
 * </pre>
 */
final class ViolationReport {
  private ViolationReport() {}

  /** Who sends the reports: the same for every report of one JVM. */
  static final class Origin {
    final String agentVersion;
    final String service;
    final String hostName;

    Origin(String agentVersion, String service, String hostName) {
      this.agentVersion = agentVersion;
      this.service = service;
      this.hostName = hostName;
    }
  }

  static Map<String, Object> json(PinViolation violation, long count, Origin origin) {
    PinSet set = violation.set();
    HostPattern noted = notedPattern(set, violation.host());
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("date-time", Instant.ofEpochMilli(violation.epochMillis()).toString());
    report.put("hostname", violation.host());
    report.put("port", violation.port());
    set.expires().ifPresent(day -> report.put("effective-expiration-date",
        day.atStartOfDay(ZoneOffset.UTC).toInstant().toString()));
    report.put("include-subdomains", noted != null && noted.kind() != HostPattern.Kind.EXACT);
    report.put("noted-hostname", noted == null ? violation.host() : noted.toString());
    report.put("served-certificate-chain", pem(violation.served()));
    report.put("validated-certificate-chain", pem(violation.validated()));
    List<String> knownPins = new ArrayList<>();
    for (Pin pin : set.pinList()) {
      knownPins.add("pin-sha256=\"" + pin.toString().substring("sha256/".length()) + "\"");
    }
    report.put("known-pins", knownPins);
    report.put("pin-set", set.name());
    report.put("mode", set.mode().id());
    report.put("action", violation.action().id());
    report.put("reason", violation.reason());
    report.put("count", count);
    report.put("agent-version", origin.agentVersion);
    report.put("service", origin.service);
    report.put("host-name", origin.hostName);
    return report;
  }

  /**
   * The set's pattern that covers {@code host}, the most specific first (an exact name before a wildcard), as the
   * policy's own lookup ranks them; {@code null} if none does (it always does for a violation).
   */
  static HostPattern notedPattern(PinSet set, String host) {
    HostPattern best = null;
    for (HostPattern pattern : set.hosts()) {
      if (pattern.matches(host) && (best == null || pattern.kind().compareTo(best.kind()) < 0)) {
        best = pattern;
      }
    }
    return best;
  }

  private static List<String> pem(List<X509Certificate> certificates) {
    List<String> pems = new ArrayList<>(certificates.size());
    Base64.Encoder base64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
    for (X509Certificate certificate : certificates) {
      try {
        pems.add("-----BEGIN CERTIFICATE-----\n" + base64.encodeToString(certificate.getEncoded())
            + "\n-----END CERTIFICATE-----\n");
      } catch (CertificateEncodingException e) {
        pems.add("(cannot be encoded: " + e.getMessage() + ")");
      }
    }
    return pems;
  }
}
