package dev.pinagent.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HostNameTest {
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
    "api.example.com          | api.example.com",
    "API.Example.COM          | api.example.com",
    "api.example.com.         | api.example.com",
    "LOCALHOST                | localhost",
    "localhost.               | localhost",
    "bücher.example           | xn--bcher-kva.example",
    "BÜCHER.example.          | xn--bcher-kva.example",
    "xn--bcher-kva.example    | xn--bcher-kva.example",
    "_service.example.com     | _service.example.com",
    "127.0.0.1                | 127.0.0.1",
    "::1                      | 0:0:0:0:0:0:0:1",
    "[::1]                    | 0:0:0:0:0:0:0:1",
    "0:0:0:0:0:0:0:1          | 0:0:0:0:0:0:0:1",
    "2001:DB8::1              | 2001:db8:0:0:0:0:0:1",
    "fe80::1%eth0             | fe80:0:0:0:0:0:0:1",
    "::ffff:10.0.0.7          | 10.0.0.7",
    "１０.０.０.７            | 10.0.0.7",
  })
  void normalizesEverySpellingToOneForm(String raw, String normalized) {
    assertThat(HostName.normalize(raw)).isEqualTo(normalized);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
    "a..example.com      | empty label",
    ".example.com        | empty label",
    "example.com..       | empty label",
    "-api.example.com    | starts or ends with '-'",
    "api-.example.com    | starts or ends with '-'",
    "api example.com     | contains ' '",
    "api/example.com     | contains '/'",
    "010.0.0.1           | without leading zeros",
    "256.0.0.1           | 0 to 255",
    "1.2.3               | four dot-separated numbers",
    "zz::1               | not an IPv6 address",
    "²                   | not an IPv4 address",
    "%:                  | not an IPv6 address",
    "1.2.3%:             | not an IPv6 address",
  })
  void refusesWhatIsNotAHostName(String raw, String problem) {
    assertThatThrownBy(() -> HostName.normalize(raw))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(problem);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"a..example.com", "''", "bad host", "1.2.3.4.5", "256.1.1.1", "1.16777216", "cafe%:"})
  void returnsNullForConnectionHostsItCannotRead(String raw) {
    assertThat(HostName.normalizeConnectionHost(raw)).isNull();
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
    "10.0.0.7        | 10.0.0.7",
    "010.0.0.7       | 10.0.0.7",
    "10.0.7          | 10.0.0.7",
    "10.7            | 10.0.0.7",
    "167772167       | 10.0.0.7",
    "10.0.0.7.       | 10.0.0.7",
    "API.Example.com | api.example.com",
    "[::1]           | 0:0:0:0:0:0:0:1",
  })
  void readsConnectionHostsTheWayTheJdkConnectedToThem(String raw, String normalized) {
    assertThat(HostName.normalizeConnectionHost(raw)).isEqualTo(normalized);
  }

  @ParameterizedTest
  @CsvSource({"a-b.example.com,true", "a.b.c.d.example.com,true", "a" + "bcdefghij" + ".com,true"})
  void keepsAlreadyNormalizedNamesAsTheyAre(String host, boolean same) {
    assertThat(HostName.normalize(host) == host).isEqualTo(same);
  }
}
