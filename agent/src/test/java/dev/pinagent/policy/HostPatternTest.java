package dev.pinagent.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HostPatternTest {
  @ParameterizedTest(name = "{0} matches {1}: {2}")
  @CsvSource(delimiter = '|', value = {
    // exact
    "api.example.com        | api.example.com          | true",
    "api.example.com        | www.example.com          | false",
    "api.example.com        | api.example.com.evil.com | false",
    "API.EXAMPLE.COM.       | api.example.com          | true",
    // one label
    "*.example.com          | api.example.com          | true",
    "*.example.com          | example.com              | false",
    "*.example.com          | a.b.example.com          | false",
    "*.example.com          | notexample.com           | false",
    "*.example.com          | api.notexample.com       | false",
    "*.example.com          | apiexample.com           | false",
    // any depth
    "**.example.com         | example.com              | true",
    "**.example.com         | api.example.com          | true",
    "**.example.com         | a.b.c.example.com        | true",
    "**.example.com         | notexample.com           | false",
    "**.example.com         | example.com.evil.com     | false",
    // IDN and IP
    "*.bücher.example       | www.xn--bcher-kva.example | true",
    "*.xn--fa-hia.example   | www.xn--fa-hia.example   | true",
    "xn--fa-hia.example     | fass.example             | false",
    "10.0.0.7               | 10.0.0.7                 | true",
    "10.0.0.7               | 10.0.0.70                | false",
    "[::1]                  | 0:0:0:0:0:0:0:1          | true",
  })
  void matchesOnlyWhatItSays(String pattern, String host, boolean matches) {
    assertThat(HostPattern.parse(pattern).matches(host)).isEqualTo(matches);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
    "api*.example.com   | a wildcard may only be the whole first label",
    "a.*.example.com    | a wildcard may only be the whole first label",
    "***.example.com    | a wildcard may only be the whole first label",
    "*                  | a wildcard may only be the whole first label",
    "*.                 | empty",
    "*.10.0.0.7         | wildcards apply to domain names, not IP addresses",
    "**.::1             | wildcards apply to domain names, not IP addresses",
    "fe80::1%eth0       | write IPv6 addresses without a zone",
  })
  void refusesMalformedPatterns(String pattern, String problem) {
    assertThatThrownBy(() -> HostPattern.parse(pattern))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(problem);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
    "faß.example.com    | fass.example.com      | xn--fa-hia.example.com",
    "*.faß.example.com  | *.fass.example.com    | *.xn--fa-hia.example.com",
    "**.βόλος.com       | **.xn--nxasmq6b.com   | **.xn--nxasmm1c.com",
    "*.api.FAß.de.      | *.api.fass.de         | *.api.xn--fa-hia.de",
  })
  void refusesPatternsThatIdna2003AndIdna2008ReadAsDifferentHosts(String pattern, String idna2003,
      String idna2008) {
    assertThatThrownBy(() -> HostPattern.parse(pattern))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("'" + pattern + "' is read differently by IDNA2003 (" + idna2003 + ") and IDNA2008 ("
            + idna2008 + "); write the name in its punycode form, e.g. '" + idna2008 + "'");
  }
}
