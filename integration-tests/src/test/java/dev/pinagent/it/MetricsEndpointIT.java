package dev.pinagent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.it.clients.HttpsProbe;
import dev.pinagent.it.support.ForkedJvm;
import dev.pinagent.it.support.LabTest;
import dev.pinagent.it.support.Metrics;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The metrics endpoint of a forked JVM under hostile clients. Operators alert on what it serves, so no client
 * may silence it: not one that sends half a request and waits, not one that announces a body it never sends,
 * not hundreds that connect and say nothing.
 */
class MetricsEndpointIT extends LabTest {
  private static final int PARTIAL_REQUESTS = 50;
  private static final int IDLE_CONNECTIONS = 300;
  private static final Duration SCRAPE_TIMEOUT = Duration.ofSeconds(3);

  @ParameterizedTest(name = "{0}")
  @MethodSource("jvms")
  void keepsAnsweringScrapesWhileSlowAndIdleConnectionsAreHeldOpen(Path javaHome) throws Exception {
    int port = Metrics.freePort();
    ForkedJvm.Running child = lab.client(javaHome)
        .agent("policy=" + lab.localhostPinnedToGoodIssuer("enforce") + ",metrics.port=" + port)
        .main(HttpsProbe.class, "jdk-default", "--hold", lab.good.url("localhost"))
        .start();
    List<Socket> held = new ArrayList<>();
    try {
      child.awaitOutput("HOLD");
      // Up, and Micrometer started: what follows measures the endpoint, not its first scrape.
      Metrics.scrape(port);

      for (int i = 0; i < PARTIAL_REQUESTS; i++) {
        held.add(send(port, "GET /metrics HTTP/1.1\r\n"));
      }
      held.add(send(port, "POST /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000\r\n\r\n"));
      for (int i = 0; i < IDLE_CONNECTIONS; i++) {
        held.add(send(port, ""));
      }

      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(SCRAPE_TIMEOUT).build();
      for (int round = 0; round < 5; round++) {
        long start = System.nanoTime();
        HttpResponse<String> scrape = client.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(SCRAPE_TIMEOUT).build(),
            HttpResponse.BodyHandlers.ofString());
        long millis = (System.nanoTime() - start) / 1_000_000;

        assertThat(scrape.statusCode()).as("scrape %d", round).isEqualTo(200);
        assertThat(scrape.body()).contains("tls_pin_checks_total{mode=\"enforce\",pin_set=\"partner\",result=\"match\"} 1.0");
        assertThat(millis).as("milliseconds for scrape %d with %d connections held", round, held.size())
            .isLessThan(SCRAPE_TIMEOUT.toMillis());
        Thread.sleep(200);
      }
    } finally {
      for (Socket socket : held) {
        socket.close();
      }
      child.closeInput();
    }
    ForkedJvm.Result result = child.await();
    assertThat(result.exitCode).as(result.toString()).isZero();
  }

  /** A connection that sends {@code text} (perhaps nothing) and then keeps quiet. */
  private static Socket send(int port, String text) throws IOException {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    OutputStream out = socket.getOutputStream();
    out.write(text.getBytes(StandardCharsets.US_ASCII));
    out.flush();
    return socket;
  }
}
