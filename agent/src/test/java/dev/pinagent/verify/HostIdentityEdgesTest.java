package dev.pinagent.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.testing.TestPki;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.Test;

/**
 * The doors of {@link HostIdentity} other than the table of {@link HostIdentityTest}: the forms that look the CA
 * kind up or take it as told, and templates the JDK's steps refuse part-way (an invalid IDN label, a name that
 * is no valid SNI name, a punycode name that differs).
 */
class HostIdentityEdgesTest {
  private static X509Certificate leafFor(String... dnsNames) {
    return TestPki.leaf("Some Server").dns(dnsNames).build().certificate;
  }

  @Test
  void judgesAChainOfUnknownAnchorByTheRulesOfAPrivateCa() {
    X509Certificate overTopLevel = leafFor("*.com");
    X509Certificate privateRoot = TestPki.ca("CN=Private Root").build().certificate;

    assertThat(HostIdentity.names(overTopLevel, "example.com")).isTrue();
    assertThat(HostIdentity.names(overTopLevel, "example.com", (X509Certificate) null)).isTrue();
    assertThat(HostIdentity.names(overTopLevel, "example.com", privateRoot)).isTrue();
    assertThat(HostIdentity.names(overTopLevel, "example.com", () -> true)).as("told: a public CA").isFalse();
    assertThat(HostIdentity.names(overTopLevel, "example.com", () -> false)).isTrue();
  }

  @Test
  void refusesAHostTheLeafDoesNotNameThroughEveryDoor() {
    X509Certificate leaf = leafFor("api.example.com");
    X509Certificate privateRoot = TestPki.ca("CN=Private Root").build().certificate;

    assertThat(HostIdentity.names(leaf, "www.example.com")).isFalse();
    assertThat(HostIdentity.names(leaf, "www.example.com", privateRoot)).isFalse();
    assertThat(HostIdentity.names(leaf, "www.example.com", () -> false)).isFalse();
    assertThat(HostIdentity.names(leaf, null)).isFalse();
  }

  @Test
  void comparesPunycodeNamesWithoutWildcardsLabelByLabel() {
    X509Certificate leaf = leafFor("www.xn--bcher-kva.example");
    for (boolean since19 : new boolean[] {false, true}) {
      assertThat(HostIdentity.names(leaf, "www.xn--bcher-kva.example", () -> false, since19)).isTrue();
      assertThat(HostIdentity.names(leaf, "api.xn--bcher-kva.example", () -> false, since19)).as("" + since19)
          .isFalse();
    }
  }

  @Test
  void refusesATemplateThatIsNoValidName() {
    String tooLongLabel = "*" + "a".repeat(70) + ".example.com";
    for (boolean since19 : new boolean[] {false, true}) {
      assertThat(HostIdentity.names(leafFor(tooLongLabel), "b" + "a".repeat(70) + ".example.com", () -> false,
          since19)).as("a label longer than 63").isFalse();
      assertThat(HostIdentity.names(leafFor("*.exa mple.com"), "a.exa mple.com", () -> false, since19)).isFalse();
      assertThat(HostIdentity.names(leafFor("*.exa_mple.com"), "a.example.com", () -> false, since19)).isFalse();
    }
  }

  @Test
  void namesAnIpLiteralOnlyByAnIpEntry() {
    X509Certificate ipOnly = TestPki.leaf("10.0.0.7").ip("10.0.0.7").build().certificate;
    X509Certificate noNames = TestPki.leaf("10.0.0.7").build().certificate;

    assertThat(HostIdentity.names(ipOnly, "10.0.0.7")).isTrue();
    assertThat(HostIdentity.names(ipOnly, "10.0.0.8")).isFalse();
    assertThat(HostIdentity.names(noNames, "10.0.0.7")).as("no subjectAltName at all").isFalse();
  }
}
