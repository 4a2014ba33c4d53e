package dev.pinagent.reload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.pinagent.policy.PolicyException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Fetching from a policy server on 127.0.0.1: conditional requests, and hostile answers each a clear error. */
@Timeout(60)
class PolicyServerTest {
  private HttpServer http;
  private final Map<String, byte[]> files = new ConcurrentHashMap<>();
  private final List<String> requests = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws IOException {
    http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    http.createContext("/", this::serve);
    http.createContext("/endless", exchange -> {
      exchange.sendResponseHeaders(200, 0);
      try (OutputStream out = exchange.getResponseBody()) {
        byte[] chunk = new byte[64 * 1024];
        while (true) {
          out.write(chunk);
        }
      } catch (IOException e) {
        // The client gave up, as it should.
      }
    });
    http.createContext("/slow", exchange -> {
      exchange.sendResponseHeaders(200, 0);
      try (OutputStream out = exchange.getResponseBody()) {
        for (int i = 0; i < 600; i++) {
          out.write('#');
          out.flush();
          Thread.sleep(100);
        }
      } catch (IOException | InterruptedException e) {
        // The client gave up.
      }
    });
    http.createContext("/elsewhere", exchange -> {
      exchange.getResponseHeaders().add("Location", "http://localhost:" + port() + "/p.yaml");
      exchange.sendResponseHeaders(302, -1);
      exchange.close();
    });
    http.createContext("/moved", exchange -> {
      exchange.getResponseHeaders().add("Location", "/p.yaml");
      exchange.sendResponseHeaders(301, -1);
      exchange.close();
    });
    http.start();
  }

  @AfterEach
  void stop() {
    http.stop(0);
  }

  private int port() {
    return http.getAddress().getPort();
  }

  private String url(String path) {
    return "http://127.0.0.1:" + port() + path;
  }

  private void serve(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    String etag = exchange.getRequestHeaders().getFirst("If-None-Match");
    requests.add(path + (etag == null ? "" : " if-none-match " + etag));
    byte[] body = files.get(path);
    if (body == null) {
      exchange.sendResponseHeaders(path.equals("/broken.yaml") ? 500 : 404, -1);
    } else {
      String tag = "\"" + PolicyReloader.fingerprint(body).substring(0, 8) + "\"";
      exchange.getResponseHeaders().add("ETag", tag);
      if (tag.equals(etag)) {
        exchange.sendResponseHeaders(304, -1);
      } else {
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
      }
    }
    exchange.close();
  }

  @Test
  void fetchesAPolicyAndItsSignatureAndAsksConditionallyAfterwards() throws Exception {
    files.put("/p.yaml", "version: 1\n".getBytes(StandardCharsets.UTF_8));
    files.put("/p.yaml.sig", "sig".getBytes(StandardCharsets.UTF_8));
    PolicyServer server = new PolicyServer(url("/p.yaml"));
    assertThat(new String(server.read(), StandardCharsets.UTF_8)).isEqualTo("version: 1\n");
    assertThat(new String(server.readSignature(), StandardCharsets.UTF_8)).isEqualTo("sig");

    assertThat(server.read()).as("a 304 gives the bytes already held").isEqualTo(files.get("/p.yaml"));
    assertThat(requests.get(2)).startsWith("/p.yaml if-none-match \"");

    files.put("/p.yaml", "version: 1\npin-sets: []\n".getBytes(StandardCharsets.UTF_8));
    assertThat(new String(server.read(), StandardCharsets.UTF_8)).contains("pin-sets");
  }

  @Test
  void aMissingSignatureIsNoneAndAMissingPolicyOrAnErrorIsAClearError() throws Exception {
    files.put("/p.yaml", "version: 1\n".getBytes(StandardCharsets.UTF_8));
    PolicyServer server = new PolicyServer(url("/p.yaml"));
    assertThat(server.readSignature()).isNull();
    assertThatThrownBy(() -> new PolicyServer(url("/none.yaml")).read()).isInstanceOf(PolicyException.class)
        .hasMessageContaining("the policy server has no such policy (HTTP 404)");
    assertThatThrownBy(() -> new PolicyServer(url("/broken.yaml")).read())
        .hasMessageContaining("the policy server answered HTTP 500");
  }

  @Test
  void cutsOffAnEndlessBodyAtTheSizeLimit() {
    assertThatThrownBy(() -> new PolicyServer(url("/endless")).read()).isInstanceOf(PolicyException.class)
        .hasMessageContaining("the response is larger than 4194304 bytes; is it a policy?");
  }

  @Test
  void givesUpOnASlowServerAtTheDeadline() {
    long start = System.nanoTime();
    assertThatThrownBy(() -> new PolicyServer(url("/slow"), 1_000).read()).isInstanceOf(PolicyException.class)
        .hasMessageMatching(".*: the policy server sent \\d+ bytes in 1000 ms and was given up on \\(too slow\\)");
    assertThat((System.nanoTime() - start) / 1_000_000).as("bounded, never a hang").isLessThan(30_000);
  }

  @Test
  void refusesAServerThatDoesNotAnswerAtAll() throws Exception {
    int closedPort;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    assertThatThrownBy(() -> new PolicyServer("http://127.0.0.1:" + closedPort + "/p.yaml").read())
        .isInstanceOf(PolicyException.class).hasMessageContaining("cannot be fetched: java.net.ConnectException");
  }

  @Test
  void followsARedirectOnTheSameServerOnlyNeverToAnotherHost() throws Exception {
    files.put("/p.yaml", "version: 1\n".getBytes(StandardCharsets.UTF_8));
    assertThat(new PolicyServer(url("/moved")).read()).isEqualTo(files.get("/p.yaml"));
    assertThatThrownBy(() -> new PolicyServer(url("/elsewhere")).read())
        .hasMessageContaining("redirects are followed on the same server only");
  }
}
