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
}
