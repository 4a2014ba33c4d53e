package dev.pinagent.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.policy.Policy;
import dev.pinagent.policy.yaml.PolicyLoader;
import dev.pinagent.verify.CheckResult;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

class MetricsEndpointTest {
  @Test
  void servesEveryMeterUnderItsPrometheusName() throws Exception {
    Policy policy = PolicyLoader.parse("p.yaml", "version: 1\npin-sets:\n  - name: api\n"
        + "    hosts: [api.example.com]\n    pins: [sha256/r/mIkG3eEpVdm+u/ko/cwxzOMo1bk4TyHIlByibiA5E=]\n"
        + "    expires: 2099-01-01\n");
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    PinMetrics metrics = new PinMetrics(policy, 10, System::currentTimeMillis);
    metrics.bindTo(registry);
    metrics.recordCheck(policy.pinSets().get(0), CheckResult.MATCH);
    metrics.recordViolation(policy.pinSets().get(0), "api.example.com", true);
    metrics.recordPolicyLoad(true);
    metrics.recordWrapped("ssl_context");
    metrics.recordAgentError("metrics_endpoint");

    try (MetricsEndpoint endpoint = MetricsEndpoint.start("127.0.0.1", 0, registry)) {
      HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + endpoint.port() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
          type -> assertThat(type).startsWith("text/plain"));
      assertThat(response.body())
          .contains("tls_pin_checks_total{mode=\"enforce\",pin_set=\"api\",result=\"match\"} 1.0")
          .contains("tls_pin_checks_total{mode=\"enforce\",pin_set=\"api\",result=\"mismatch\"} 0.0")
          .contains("tls_pin_violations_total{action=\"blocked\",host=\"api.example.com\",pin_set=\"api\"} 1.0")
          .contains("tls_pin_policy_loads_total{result=\"success\"} 1.0")
          .contains("tls_pin_set_expiry_seconds{pin_set=\"api\"}")
          .contains("tls_pin_trust_managers_wrapped_total{source=\"ssl_context\"} 1.0")
          .contains("tls_pin_agent_errors_total{stage=\"metrics_endpoint\"} 1.0");
      HttpResponse<String> post = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + endpoint.port() + "/metrics")).POST(HttpRequest.BodyPublishers.noBody())
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(post.statusCode()).isEqualTo(405);
    }
  }
}
