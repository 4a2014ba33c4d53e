package dev.pinagent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The edges of each option's range: the last value accepted and the first refused, on both sides. */
class AgentOptionsBoundariesTest {
  private static AgentOptions resolve(String arguments) {
    return AgentOptions.resolve(arguments, new Properties(), Map.of());
  }

  @Test
  void acceptsEveryPortFromZeroTo65535() {
    assertThat(resolve("policy=/p.yaml,metrics.port=0").metricsPort()).as("any free port").isZero();
    assertThat(resolve("policy=/p.yaml,metrics.port=65535").metricsPort()).isEqualTo(65535);
    assertThatThrownBy(() -> resolve("policy=/p.yaml,metrics.port=65536")).hasMessageContaining("got '65536'");
    assertThatThrownBy(() -> resolve("policy=/p.yaml,metrics.port=-1")).hasMessageContaining("got '-1'");
  }

  @Test
  void acceptsAReloadIntervalOfExactlyItsMinimum() {
    assertThat(resolve("policy=/p.yaml,policy.reload.interval=100ms").policyReloadInterval())
        .isEqualTo(Duration.ofMillis(100));
    assertThatThrownBy(() -> resolve("policy=/p.yaml,policy.reload.interval=99ms"))
        .hasMessageContaining("below its minimum of 100ms");
  }

  @Test
  void readsTrueAndFalseInAnyCase() {
    assertThat(resolve("policy=/p.yaml,policy.reload=false").policyReload()).isFalse();
    assertThat(resolve("policy=/p.yaml,policy.reload= True ").policyReload()).isTrue();
  }

  @Test
  void readsEveryAsciiDigitAndNoMoreThanTwelve() {
    assertThat(AgentOptions.parseDuration("0s")).isEqualTo(Duration.ZERO);
    assertThat(AgentOptions.parseDuration("9s")).isEqualTo(Duration.ofSeconds(9));
    assertThat(AgentOptions.parseDuration("999999999999ms")).isEqualTo(Duration.ofMillis(999_999_999_999L));
    assertThat(AgentOptions.parseDuration("/s")).as("the character before '0'").isNull();
    assertThat(AgentOptions.parseDuration(":s")).as("the character after '9'").isNull();
  }

  @Test
  void refusesAnArgumentWithNoNameBeforeItsEqualsSign() {
    assertThatThrownBy(() -> resolve("=/p.yaml")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("agent argument '=/p.yaml' is not key=value");
  }

  @Test
  void refusesAValueThatStartsWithAnotherOptionAfterASpace() {
    assertThatThrownBy(() -> resolve("policy= metrics.port=9464")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("separate agent options with ',' not ' '");
  }
}
