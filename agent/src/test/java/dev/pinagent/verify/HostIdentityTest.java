package dev.pinagent.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.testing.TestPki;
import java.security.cert.X509Certificate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The leaf names the host by the rules of the JDK's own endpoint identification ("HTTPS",
 * {@code sun.security.util.HostnameChecker}), not by a stricter copy: a chain the JDK accepted for a name must
 * not be refused for it. Each row states the outcome under Java 17's rules (a wildcard may sit in any label)
 * and under the rules since Java 19 (JDK-7192189: only in the leftmost label); "public CA" rows are those the
 * JDK checks against the public suffix list (their anchor is one of the JDK's own cacerts roots).
 */
class HostIdentityTest {
  private static final boolean PUBLIC_CA = true;
  private static final boolean PRIVATE_CA = false;

  static Stream<Arguments> rows() {
    return Stream.of(
        // row, how the leaf names it, presented, host, CA kind, Java 17, Java 19+
        Arguments.of("exact name", "dns", "api.example.com", "api.example.com", PRIVATE_CA, true, true),
        Arguments.of("case does not matter", "dns", "API.Example.COM", "api.example.com", PRIVATE_CA, true, true),
        Arguments.of("another name", "dns", "www.example.com", "api.example.com", PRIVATE_CA, false, false),
        Arguments.of("wildcard for the whole leftmost label", "dns", "*.example.com", "api.example.com", PRIVATE_CA,
            true, true),
        Arguments.of("wildcard never matches the apex", "dns", "*.example.com", "example.com", PRIVATE_CA, false,
            false),
        Arguments.of("wildcard stands for one label only", "dns", "*.example.com", "a.b.example.com", PRIVATE_CA,
            false, false),
        Arguments.of("partial wildcard in the leftmost label (issue 11, item 9)", "dns", "partial-w*.example.com",
            "partial-w1.example.com", PRIVATE_CA, true, true),
        Arguments.of("partial wildcard may match nothing", "dns", "partial-w*.example.com", "partial-w.example.com",
            PRIVATE_CA, true, true),
        Arguments.of("partial wildcard, other prefix", "dns", "partial-w*.example.com", "partial-x1.example.com",
            PRIVATE_CA, false, false),
        Arguments.of("wildcard before a suffix in the label", "dns", "*-api.example.com", "eu-api.example.com",
            PRIVATE_CA, true, true),
        Arguments.of("wildcard in the middle of the label", "dns", "f*o.example.com", "foo.example.com", PRIVATE_CA,
            true, true),
        Arguments.of("wildcard in the middle, wrong end", "dns", "f*o.example.com", "fox.example.com", PRIVATE_CA,
            false, false),
        Arguments.of("two wildcards in one label", "dns", "a*b*c.example.com", "axxbyyc.example.com", PRIVATE_CA,
            true, true),
        Arguments.of("wildcard in a label other than the leftmost", "dns", "api.*.example.com", "api.eu.example.com",
            PRIVATE_CA, true, false),
        Arguments.of("wildcard in two labels", "dns", "*.*.example.com", "a.b.example.com", PRIVATE_CA, true, false),
        Arguments.of("a lone wildcard", "dns", "*", "localhost", PRIVATE_CA, false, false),
        Arguments.of("no dot after the wildcard", "dns", "*com", "xcom", PRIVATE_CA, false, false),
        Arguments.of("wildcard over a top-level domain, private CA", "dns", "*.com", "example.com", PRIVATE_CA, true,
            true),
        Arguments.of("wildcard over a top-level domain, public CA", "dns", "*.com", "example.com", PUBLIC_CA, false,
            false),
        Arguments.of("partial wildcard over a top-level domain, public CA", "dns", "*ample.com", "example.com",
            PUBLIC_CA, false, false),
        Arguments.of("wildcard over a registry-controlled suffix, public CA", "dns", "*.co.uk", "example.co.uk",
            PUBLIC_CA, false, false),
        Arguments.of("wildcard over a registry-controlled suffix, private CA", "dns", "*.co.uk", "example.co.uk",
            PRIVATE_CA, true, true),
        Arguments.of("wildcard under a registered domain, public CA", "dns", "*.example.co.uk", "www.example.co.uk",
            PUBLIC_CA, true, true),
        Arguments.of("wildcard over a privately run suffix, public CA", "dns", "*.blogspot.com", "me.blogspot.com",
            PUBLIC_CA, true, true),
        Arguments.of("punycode name", "dns", "*.xn--bcher-kva.example", "www.xn--bcher-kva.example", PRIVATE_CA, true,
            true),
        Arguments.of("a trailing dot is not a valid presented name", "dns", "api.example.com.", "api.example.com",
            PRIVATE_CA, false, false),
        Arguments.of("common name when there is no DNS name", "cn", "api.example.com", "api.example.com", PRIVATE_CA,
            true, true),
        Arguments.of("wildcard common name", "cn", "*.example.com", "api.example.com", PRIVATE_CA, true, true),
        Arguments.of("common name ignored when DNS names exist", "dns+cn", "api.example.com", "api.example.com",
            PRIVATE_CA, false, false),
        Arguments.of("common name used when only IP names exist", "ip+cn", "api.example.com", "api.example.com",
            PRIVATE_CA, true, true),
        Arguments.of("a common name not in Unicode normal form (NFKC)", "cn", "\ufb01le.example.com",
            "file.example.com", PRIVATE_CA, false, false),
        Arguments.of("a host that is not a valid DNS name", "dns", "bad_host.example.com", "bad_host.example.com",
            PRIVATE_CA, false, false),
        Arguments.of("IP address in an IP entry", "ip", "10.0.0.7", "10.0.0.7", PRIVATE_CA, true, true),
        Arguments.of("another IP address", "ip", "10.0.0.8", "10.0.0.7", PRIVATE_CA, false, false),
        Arguments.of("IPv6 address, another spelling", "ip", "2001:db8::1", "2001:db8:0:0:0:0:0:1",
            PRIVATE_CA, true, true),
        Arguments.of("IP address only in a DNS entry", "dns", "10.0.0.7", "10.0.0.7", PRIVATE_CA, false, false),
        Arguments.of("IP address only in the common name", "cn", "10.0.0.7", "10.0.0.7", PRIVATE_CA, false, false));
  }

  static X509Certificate leaf(String kind, String presented) {
    switch (kind) {
      case "dns":
        return TestPki.leaf("Some Server").dns(presented).build().certificate;
      case "cn":
        return TestPki.leaf(presented).build().certificate;
      case "dns+cn":
        return TestPki.leaf(presented).dns("other.example.com").build().certificate;
      case "ip+cn":
        return TestPki.leaf(presented).ip("10.9.9.9").build().certificate;
      case "ip":
        return TestPki.leaf("Some Server").ip(presented).build().certificate;
      default:
        throw new IllegalArgumentException(kind);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void namesTheHostExactlyWhenTheJdkWould(String row, String kind, String presented, String host, boolean publicCa,
      boolean java17, boolean java19) {
    X509Certificate leaf = leaf(kind, presented);
    assertThat(HostIdentity.names(leaf, host, () -> publicCa, false)).as(row + ", Java 17 rules").isEqualTo(java17);
    assertThat(HostIdentity.names(leaf, host, () -> publicCa, true)).as(row + ", Java 19+ rules").isEqualTo(java19);
  }

  @Test
  void followsTheRulesOfTheRunningJdk() {
    X509Certificate middleWildcard = leaf("dns", "api.*.example.com");
    assertThat(HostIdentity.names(middleWildcard, "api.eu.example.com"))
        .isEqualTo(Runtime.version().feature() < 19);
  }

  @Test
  void asksWhetherTheAnchorIsAPublicCaOnlyForAWildcardThatCouldCoverASuffix() {
    int[] asked = {0};
    HostIdentity.names(leaf("dns", "api.example.com"), "api.example.com", () -> ++asked[0] > 0, true);
    HostIdentity.names(leaf("dns", "*"), "localhost", () -> ++asked[0] > 0, true);
    assertThat(asked[0]).isZero();
    HostIdentity.names(leaf("dns", "*.example.com"), "api.example.com", () -> ++asked[0] > 0, true);
    assertThat(asked[0]).isOne();
  }
}
