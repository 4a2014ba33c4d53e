package dev.pinagent.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.policy.Policy;
import dev.pinagent.policy.yaml.PolicyLoader;
import dev.pinagent.verify.CheckResult;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class MetricsEndpointTest {
  @Test
  void servesEveryMeterUnderItsPrometheusName() throws Exception {
    Policy policy = PolicyLoader.parse("p.yaml", "version: 1\npin-sets:\n  - name: api\n"
        + "    hosts: [api.example.com]\n    pins: [sha256/r/mIkG3eEpVdm+u/ko/cwxzOMo1bk4TyHIlByibiA5E=]\n"
        + "    expires: 2099-01-01\n");
    PinCounters counters = new PinCounters(policy, 10);
    List<Throwable> failures = new ArrayList<>();
    PrometheusExport export = new PrometheusExport(counters, System::currentTimeMillis, failures::add);
    // Counted before Micrometer starts (at the first scrape), as in the agent.
    counters.recordCheck(policy.pinSets().get(0), CheckResult.MATCH);
    counters.recordWrapped("ssl_context");
    counters.recordPolicyLoad(true);
    String first = export.get();
    // New series after Micrometer started get their meters at the next scrape.
    counters.recordViolation(policy.pinSets().get(0), "api.example.com", true);
    counters.recordAgentError("metrics_endpoint");

    assertThat(first).contains("tls_pin_checks_total{mode=\"enforce\",pin_set=\"api\",result=\"match\"} 1.0");
    assertThat(first).doesNotContain("tls_pin_violations_total");
    assertThat(failures).isEmpty();
    try (MetricsEndpoint endpoint = MetricsEndpoint.start("127.0.0.1", 0, export)) {
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

  @Test
  void aScrapeThatFailsAnswers500WithTheReasonAndKeepsServing() throws Exception {
    AtomicInteger scrapes = new AtomicInteger();
    try (MetricsEndpoint endpoint = MetricsEndpoint.start("127.0.0.1", 0, () -> {
      if (scrapes.incrementAndGet() == 1) {
        throw new IllegalStateException("registry broken");
      }
      return "up 1\n";
    })) {
      HttpClient client = HttpClient.newHttpClient();
      HttpRequest scrape = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.port() + "/metrics"))
          .build();

      HttpResponse<String> failed = client.send(scrape, HttpResponse.BodyHandlers.ofString());
      HttpResponse<String> next = client.send(scrape, HttpResponse.BodyHandlers.ofString());

      assertThat(failed.statusCode()).isEqualTo(500);
      assertThat(failed.body()).contains("registry broken");
      assertThat(next.statusCode()).isEqualTo(200);
      assertThat(next.body()).isEqualTo("up 1\n");
    }
  }
}
