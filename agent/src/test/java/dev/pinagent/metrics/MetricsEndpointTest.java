package dev.pinagent.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pinagent.policy.Policy;
import dev.pinagent.policy.yaml.PolicyLoader;
import dev.pinagent.verify.CheckResult;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

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
    counters.policyLoaded("0123456789ab", "p.yaml", 0);
    String first = export.get();
    // New series after Micrometer started get their meters at the next scrape.
    counters.recordViolation(policy.pinSets().get(0), "api.example.com", true);
    counters.recordAgentError("metrics_endpoint");

    assertThat(first).contains("tls_pin_checks_total{mode=\"enforce\",pin_set=\"api\",result=\"match\"} 1.0");
    assertThat(first).as("the set's violation series at zero, before any violation")
        .contains("tls_pin_violations_total{action=\"blocked\",host=\"none\",pin_set=\"api\"} 0.0")
        .doesNotContain("host=\"api.example.com\"");
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
          .contains("tls_pin_policy_loads_total{reason=\"none\",result=\"success\"} 1.0")
          .contains("tls_pin_policy_info{sha256=\"0123456789ab\",source=\"p.yaml\"} 1")
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

  static Stream<Arguments> requests() {
    return Stream.of(
        Arguments.of("a scrape", "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 200 OK", "up 1\n"),
        Arguments.of("a scrape with a query", "GET /metrics?name[]=up HTTP/1.1\r\n\r\n", "HTTP/1.1 200 OK", "up 1\n"),
        Arguments.of("an HTTP/1.0 scrape with bare line feeds", "GET /metrics HTTP/1.0\n\n", "HTTP/1.1 200 OK",
            "up 1\n"),
        Arguments.of("HEAD: headers only", "HEAD /metrics HTTP/1.1\r\n\r\n", "HTTP/1.1 200 OK", ""),
        Arguments.of("another path", "GET / HTTP/1.1\r\n\r\n", "HTTP/1.1 404 Not Found", "# the agent serves"),
        Arguments.of("a path below /metrics", "GET /metrics/x HTTP/1.1\r\n\r\n", "HTTP/1.1 404 Not Found", "#"),
        Arguments.of("POST", "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 405 Method Not Allowed", "# /metrics answers GET and HEAD only"),
        Arguments.of("DELETE", "DELETE /metrics HTTP/1.1\r\n\r\n", "HTTP/1.1 405 Method Not Allowed", "#"),
        Arguments.of("not HTTP", "hello\r\n\r\n", "HTTP/1.1 400 Bad Request", "# expected GET /metrics"),
        Arguments.of("HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "HTTP/1.1 400 Bad Request", "#"),
        Arguments.of("an absolute URI", "GET http://x/metrics HTTP/1.1\r\n\r\n", "HTTP/1.1 400 Bad Request", "#"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("requests")
  void answersOnlyGetAndHeadOfMetricsAndClosesEveryConnection(String request, String sent, String statusLine,
      String bodyStart) throws Exception {
    try (MetricsEndpoint endpoint = MetricsEndpoint.start("127.0.0.1", 0, () -> "up 1\n")) {
      String response = exchange(endpoint.port(), sent);

      assertThat(response).startsWith(statusLine + "\r\n").contains("\r\nConnection: close\r\n");
      assertThat(response.substring(response.indexOf("\r\n\r\n") + 4)).startsWith(bodyStart);
      if (statusLine.contains("405")) {
        assertThat(response).contains("\r\nAllow: GET, HEAD\r\n");
      }
    }
  }

  @Test
  void servesTheInventoryAsJsonBesideTheMetricsWhenTheAgentRecordsOne() throws Exception {
    try (MetricsEndpoint endpoint = MetricsEndpoint.start("127.0.0.1", 0, () -> "up 1\n", () -> "{\"hosts\": []}\n",
        e -> { })) {
      String inventory = exchange(endpoint.port(), "GET /inventory HTTP/1.1\r\n\r\n");
      assertThat(inventory).startsWith("HTTP/1.1 200 OK\r\n")
          .contains("\r\nContent-Type: application/json; charset=utf-8\r\n").endsWith("\r\n\r\n{\"hosts\": []}\n");
      assertThat(exchange(endpoint.port(), "GET /metrics HTTP/1.1\r\n\r\n")).contains("text/plain").endsWith("up 1\n");
      assertThat(exchange(endpoint.port(), "POST /inventory HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 405");
    }
    try (MetricsEndpoint endpoint = MetricsEndpoint.start("127.0.0.1", 0, () -> "up 1\n")) {
      assertThat(exchange(endpoint.port(), "GET /inventory HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 404");
    }
  }

  @Test
  void answersAPostAnnouncingABodyWithoutWaitingForIt() throws Exception {
    try (MetricsEndpoint endpoint = MetricsEndpoint.start("127.0.0.1", 0, () -> "up 1\n")) {
      long start = System.nanoTime();
      String response = exchange(endpoint.port(), "POST /metrics HTTP/1.1\r\nContent-Length: 1000000\r\n\r\n");

      assertThat(response).startsWith("HTTP/1.1 405 ");
      assertThat((System.nanoTime() - start) / 1_000_000).as("milliseconds").isLessThan(1_000);
    }
  }

  @Test
  void closesAConnectionWhoseRequestDoesNotArriveInTime() throws Exception {
    MetricsEndpoint.Limits limits = new MetricsEndpoint.Limits(64, 300, 10_000, 8192, 2, 8);
    try (MetricsEndpoint endpoint = MetricsEndpoint.start("127.0.0.1", 0, () -> "up 1\n", e -> { }, limits);
        Socket slow = connect(endpoint.port(), "GET /metrics HTTP/1.1\r\n");
        Socket idle = connect(endpoint.port(), "")) {
      long start = System.nanoTime();

      assertThat(slow.getInputStream().read()).as("end of stream").isEqualTo(-1);
      assertThat(idle.getInputStream().read()).as("end of stream").isEqualTo(-1);
      assertThat((System.nanoTime() - start) / 1_000_000).as("milliseconds").isLessThan(3_000);
    }
  }

  @Test
  void refusesARequestHeadLargerThanItsLimit() throws Exception {
    try (MetricsEndpoint endpoint = MetricsEndpoint.start("127.0.0.1", 0, () -> "up 1\n")) {
      String response = exchange(endpoint.port(), "GET /metrics HTTP/1.1\r\nX: " + "a".repeat(9_000) + "\r\n\r\n");

      assertThat(response).startsWith("HTTP/1.1 431 ");
    }
  }

  @Test
  void keepsAnsweringScrapesWhileSlowAndIdleConnectionsAreHeldOpen() throws Exception {
    List<Socket> held = new ArrayList<>();
    try (MetricsEndpoint endpoint = MetricsEndpoint.start("127.0.0.1", 0, () -> "up 1\n")) {
      for (int i = 0; i < 50; i++) {
        held.add(connect(endpoint.port(), "GET /metrics HTTP/1.1\r\n"));
      }
      held.add(connect(endpoint.port(), "POST /metrics HTTP/1.1\r\nContent-Length: 1000000\r\n\r\n"));
      for (int i = 0; i < 200; i++) {
        held.add(connect(endpoint.port(), ""));
      }
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      for (int round = 0; round < 3; round++) {
        HttpResponse<String> scrape = client.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + endpoint.port() + "/metrics")).timeout(Duration.ofSeconds(2)).build(),
            HttpResponse.BodyHandlers.ofString());

        assertThat(scrape.statusCode()).isEqualTo(200);
        assertThat(scrape.body()).isEqualTo("up 1\n");
      }
    } finally {
      for (Socket socket : held) {
        socket.close();
      }
    }
  }

  @Test
  void makesRoomForANewConnectionByClosingTheOldestThatHasNotSentItsRequest() throws Exception {
    MetricsEndpoint.Limits limits = new MetricsEndpoint.Limits(4, 60_000, 10_000, 8192, 2, 8);
    List<Socket> held = new ArrayList<>();
    try (MetricsEndpoint endpoint = MetricsEndpoint.start("127.0.0.1", 0, () -> "up 1\n", e -> { }, limits)) {
      for (int i = 0; i < 4; i++) {
        held.add(connect(endpoint.port(), "GET /metr"));
      }
      String response = exchange(endpoint.port(), "GET /metrics HTTP/1.1\r\n\r\n");

      assertThat(response).startsWith("HTTP/1.1 200 OK");
      held.get(0).setSoTimeout(2_000);
      assertThat(held.get(0).getInputStream().read()).as("the oldest was closed").isEqualTo(-1);
      held.get(3).setSoTimeout(200);
      try {
        held.get(3).getInputStream().read();
        throw new AssertionError("the newest waiting connection should still be open");
      } catch (SocketTimeoutException expected) {
        // Still open: it is not the oldest.
      }
    } finally {
      for (Socket socket : held) {
        socket.close();
      }
    }
  }

  @Test
  void runsOnDaemonThreadsAndReleasesThePortWhenClosed() throws Exception {
    int port;
    try (MetricsEndpoint endpoint = MetricsEndpoint.start("127.0.0.1", 0, () -> "up 1\n")) {
      port = endpoint.port();
      assertThat(exchange(port, "GET /metrics HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 200");
      assertThat(Thread.getAllStackTraces().keySet()).filteredOn(t -> t.getName().startsWith("pin-agent-metrics"))
          .isNotEmpty().allMatch(Thread::isDaemon);
    }
    assertThat(Thread.getAllStackTraces().keySet()).filteredOn(t -> t.getName().equals("pin-agent-metrics"))
        .isEmpty();
    try (Socket refused = new Socket()) {
      refused.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
      throw new AssertionError("connected to a closed endpoint");
    } catch (ConnectException expected) {
      // Closed.
    }
  }

  private static Socket connect(int port, String text) throws IOException {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
    socket.setSoTimeout(5_000);
    socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
    socket.getOutputStream().flush();
    return socket;
  }

  /** Sends {@code request} and reads the response until the endpoint closes the connection. */
  private static String exchange(int port, String request) throws IOException {
    try (Socket socket = connect(port, request)) {
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream response = new ByteArrayOutputStream();
      in.transferTo(response);
      return response.toString(StandardCharsets.UTF_8);
    }
  }

  @Test
  void saysAPortInUseIsMostLikelyAnotherJvmWithTheAgent() throws IOException {
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress("127.0.0.1", 0));
      int port = taken.getLocalPort();
      assertThatThrownBy(() -> MetricsEndpoint.start("127.0.0.1", port, () -> ""))
          .isInstanceOf(BindException.class)
          .hasMessageStartingWith("port " + port + " is in use (another JVM with the agent?)");
    }
  }
}
