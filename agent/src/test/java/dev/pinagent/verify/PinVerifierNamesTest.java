package dev.pinagent.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pinagent.policy.yaml.PolicyLoader;
import dev.pinagent.testing.TestPki;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;

/**
 * A connection has two names, the SNI name it sent and the host it was opened with, and the JDK accepts a
 * certificate for either; so the pin-sets of both apply, and the connection passes only when each of them does.
 * Also the decisions made outside a handshake: whether a set covers any of a connection's names, and whether a
 * connection made for one host may carry requests for another.
 */
class PinVerifierNamesTest {
  private final TestPki.Issued root = TestPki.ca("CN=Names Root").build();
  private final TestPki.Issued frontCa = TestPki.ca("CN=Front CA").issuedBy(root).build();
  private final TestPki.Issued originCa = TestPki.ca("CN=Origin CA").issuedBy(root).build();
  private final X509Certificate[] viaFront = TestPki.chain(TestPki.leaf("front").dns("front.example.com",
      "origin.example.com").issuedBy(frontCa).build().certificate, frontCa.certificate);
  private final X509Certificate[] viaOrigin = TestPki.chain(TestPki.leaf("origin").dns("front.example.com",
      "origin.example.com").issuedBy(originCa).build().certificate, originCa.certificate);
  private final X509TrustManager trusting = TestPki.trustManager(root.certificate);
  private final List<String> log = new ArrayList<>();

  /** front.example.com must chain through the front CA, origin.example.com through the origin CA. */
  private PinVerifier verifier(String frontMode, String originMode, String originExtra) {
    String yaml = "version: 1\npin-sets:\n"
        + "  - name: front\n    mode: " + frontMode + "\n    hosts: [front.example.com]\n"
        + "    pins: [" + frontCa.pin() + ", " + TestPki.randomPin() + "]\n"
        + "  - name: origin\n    mode: " + originMode + "\n    hosts: [origin.example.com]\n"
        + "    pins: [" + originCa.pin() + ", " + TestPki.randomPin() + "]\n" + originExtra;
    try {
      return PinVerifier.standalone(PolicyLoader.parse("p.yaml", yaml), log::add);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void refusesAChainThatSatisfiesTheSniNamesSetButNotThePeerHosts() {
    PinVerifier verifier = verifier("enforce", "enforce", "");
    assertThatThrownBy(() -> verifier.check(viaFront, "front.example.com", "origin.example.com", 443, trusting))
        .isInstanceOf(CertificateException.class).hasMessageContaining("pin-set 'origin'");
  }

  @Test
  void refusesAChainThatSatisfiesThePeerHostsSetButNotTheSniNames() {
    PinVerifier verifier = verifier("enforce", "enforce", "");
    assertThatThrownBy(() -> verifier.check(viaOrigin, "front.example.com", "origin.example.com", 443, trusting))
        .isInstanceOf(CertificateException.class).hasMessageContaining("pin-set 'front'");
  }

  @Test
  void reportsTheMismatchOfEitherNameWhicheverMatched() throws Exception {
    PinVerifier verifier = verifier("report", "report", "");
    assertThat(verifier.check(viaFront, "front.example.com", "origin.example.com", 443, trusting))
        .as("the SNI name's set matched, the peer host's did not").isEqualTo(CheckResult.MISMATCH);
    assertThat(verifier.check(viaOrigin, "front.example.com", "origin.example.com", 443, trusting))
        .as("the SNI name's set did not match, the peer host's did").isEqualTo(CheckResult.MISMATCH);
  }

  @Test
  void reportsTheMismatchOfThePeerHostWhenTheSniNamesSetHasExpired() throws Exception {
    String today = LocalDate.now(ZoneOffset.UTC).toString();
    PinVerifier verifier = verifier("report", "report", "");
    PinVerifier frontExpired = PinVerifier.standalone(PolicyLoader.parse("p.yaml", "version: 1\npin-sets:\n"
        + "  - name: front\n    hosts: [front.example.com]\n    pins: [" + frontCa.pin() + "]\n    expires: " + today
        + "\n  - name: origin\n    mode: report\n    hosts: [origin.example.com]\n"
        + "    pins: [" + originCa.pin() + "]\n"),
        log::add);

    assertThat(frontExpired.check(viaFront, "front.example.com", "origin.example.com", 443, trusting))
        .isEqualTo(CheckResult.MISMATCH);
    assertThat(verifier.check(viaOrigin, null, "origin.example.com", 443, trusting)).isEqualTo(CheckResult.MATCH);
  }

  @Test
  void acceptsAChainThatSatisfiesTheSetsOfBothNames() throws Exception {
    TestPki.Issued shared = TestPki.ca("CN=Shared CA").issuedBy(root).build();
    X509Certificate[] chain = TestPki.chain(TestPki.leaf("both").dns("front.example.com", "origin.example.com")
        .issuedBy(shared).build().certificate, shared.certificate);
    PinVerifier verifier = PinVerifier.standalone(PolicyLoader.parse("p.yaml", "version: 1\npin-sets:\n"
        + "  - name: front\n    hosts: [front.example.com]\n    pins: [" + shared.pin() + "]\n"
        + "  - name: origin\n    hosts: [origin.example.com]\n    pins: [" + shared.pin() + "]\n"), log::add);

    assertThat(verifier.check(chain, "front.example.com", "origin.example.com", 443, trusting))
        .isEqualTo(CheckResult.MATCH);
    assertThat(verifier.check(chain, "front.example.com", "origin.example.com", 443, trusting))
        .as("remembered").isEqualTo(CheckResult.MATCH);
  }

  @Test
  void tellsWhetherASetCoversAnyOfTheNames() {
    PinVerifier verifier = verifier("enforce", "enforce", "");
    assertThat(verifier.pinsAnyOf("front.example.com")).isTrue();
    assertThat(verifier.pinsAnyOf(null, "unpinned.example.org", "ORIGIN.example.com.")).isTrue();
    assertThat(verifier.pinsAnyOf(null, "unpinned.example.org")).isFalse();
    assertThat(verifier.pinsAnyOf()).isFalse();
  }

  @Test
  void letsAConnectionCarryRequestsForAnotherHostOnlyWhenThatHostsPinsHold() {
    String today = LocalDate.now(ZoneOffset.UTC).toString();
    PinVerifier verifier = verifier("enforce", "enforce", "  - name: old\n    hosts: [old.example.com]\n    pins: ["
        + TestPki.randomPin() + "]\n    expires: " + today + "\n");

    assertThat(verifier.wouldAccept(viaFront, "front.example.com")).as("its pins hold").isTrue();
    assertThat(verifier.wouldAccept(viaFront, "origin.example.com")).as("its pins do not hold").isFalse();
    assertThat(verifier.wouldAccept(viaFront, "unpinned.example.org")).as("no set").isTrue();
    assertThat(verifier.wouldAccept(viaFront, "old.example.com")).as("an expired set").isTrue();
    assertThat(verifier.wouldAccept(viaFront, null)).as("no host").isFalse();
    assertThat(verifier.wouldAccept(viaFront, "bad host")).as("not a host").isFalse();
    assertThat(verifier.wouldAccept(new X509Certificate[] {null}, "front.example.com")).as("unreadable").isFalse();
    assertThat(log).as("nothing recorded").isEmpty();
  }

  @Test
  void logsACheckThatFailedAndWhatWasDoneAboutIt() throws Exception {
    PinVerifier verifier = verifier("enforce", "report", "");
    X509Certificate[] unreadable = {null};

    assertThatThrownBy(() -> verifier.check(unreadable, "front.example.com", 443, trusting))
        .isInstanceOf(CertificateException.class);
    assertThat(verifier.check(unreadable, "origin.example.com", 8443, trusting)).isEqualTo(CheckResult.ERROR);

    assertThat(log).hasSize(2);
    assertThat(log.get(0)).startsWith("[pin-agent] pin check error: host=front.example.com port=443 pin_set=front "
        + "action=blocked error=");
    assertThat(log.get(1)).startsWith("[pin-agent] pin check error: host=origin.example.com port=8443 "
        + "pin_set=origin action=allowed error=");
  }

  @Test
  void givesNoAdviceWhenTheServerSentNoCertificate() {
    PinVerifier verifier = verifier("enforce", "enforce", "");
    assertThatThrownBy(() -> verifier.check(new X509Certificate[0], "front.example.com", 443, trusting))
        .isInstanceOf(CertificateException.class).hasMessageNotContaining("What to do");
    assertThat(log).singleElement().asString().doesNotContain("advice=");
  }
}
