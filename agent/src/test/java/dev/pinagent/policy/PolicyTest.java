package dev.pinagent.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PolicyTest {
  private static final Pin PIN = Pin.parse("sha256/r/mIkG3eEpVdm+u/ko/cwxzOMo1bk4TyHIlByibiA5E=");

  private static final Policy POLICY = Policy.builder(Mode.ENFORCE)
      .add(set("exact", "api.example.com"))
      .add(set("one-label", "*.example.com"))
      .add(set("deep", "**.example.com"))
      .add(set("deeper", "**.internal.example.com"))
      .add(set("ip", "10.0.0.7", "::1"))
      .build();

  private static PinSet set(String name, String... hosts) {
    List<HostPattern> patterns = new java.util.ArrayList<>();
    for (String host : hosts) {
      patterns.add(HostPattern.parse(host));
    }
    return PinSet.of(name, patterns, List.of(PIN), Mode.ENFORCE, null);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
    "api.example.com                | exact",
    "www.example.com                | one-label",
    "example.com                    | deep",
    "a.b.example.com                | deep",
    "internal.example.com           | one-label",
    "db.internal.example.com        | deeper",
    "a.db.internal.example.com      | deeper",
    "10.0.0.7                       | ip",
    "0:0:0:0:0:0:0:1                | ip",
    "notexample.com                 | ",
    "example.org                    | ",
    "10.0.0.8                       | ",
  })
  void picksTheMostSpecificSet(String host, String expected) {
    PinSet match = POLICY.match(host);
    assertThat(match == null ? null : match.name()).isEqualTo(expected);
  }
}
