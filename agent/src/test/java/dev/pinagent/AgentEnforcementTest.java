package dev.pinagent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.metrics.PinCounters;
import dev.pinagent.policy.Mode;
import dev.pinagent.policy.Policy;
import dev.pinagent.verify.PinVerifier;
import dev.pinagent.verify.SpkiPins;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AgentEnforcementTest {
  private final List<String> log = new ArrayList<>();
  private final Policy policy = Policy.builder(Mode.ENFORCE).build();
  private final AgentEnforcement enforcement = new AgentEnforcement(
      new PinVerifier(policy, new PinCounters(policy, 10), new SpkiPins(16), log::add, System::currentTimeMillis),
      new PinCounters(policy, 10), log::add);

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
    "metrics_endpoint                              | the metrics endpoint is not serving; pinning is unaffected",
    "instrument:javax.net.ssl.TrustManagerFactory  | javax.net.ssl.TrustManagerFactory is not hooked: connections "
        + "through it may NOT be pinned (see tls_pin_agent_errors_total)",
    "wrap:trust_manager_factory                    | a trust manager from trust_manager_factory was left unwrapped: "
        + "connections through it may NOT be pinned (see tls_pin_agent_errors_total)",
    "check                                         | the handshake was refused, as is every handshake the agent "
        + "cannot check (see tls_pin_agent_errors_total)",
  })
  void saysWhatAFailedStageReallyAffects(String stage, String consequence) {
    enforcement.failed(stage, new IllegalStateException("boom"));

    assertThat(log).containsExactly(
        "[pin-agent] ERROR: " + stage + " failed; " + consequence + ": java.lang.IllegalStateException: boom");
  }

  @Test
  void logsAStageOnce() {
    enforcement.failed("wrap:ssl_context", new IllegalStateException("first"));
    enforcement.failed("wrap:ssl_context", new IllegalStateException("second"));
    enforcement.failed("metrics_endpoint", new IllegalStateException("third"));

    assertThat(log).hasSize(2);
    assertThat(log.get(0)).startsWith("[pin-agent] ERROR: wrap:ssl_context failed").endsWith("first");
  }
}
