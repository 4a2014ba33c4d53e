package dev.pinagent.benchmarks;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.pinagent.testing.FixedKeyManager;
import dev.pinagent.testing.TestPki;
import dev.pinagent.testing.TestTlsServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;

/**
 * The costs JMH cannot see inside one JVM, each measured with and without {@code -javaagent} in alternating
 * runs on the same machine: start-up of a program making one HTTPS request, and handshake throughput of a
 * client loop. Run: {@code java -cp benchmarks/target/benchmarks.jar dev.pinagent.benchmarks.ForkedComparison
 * [rounds]} from the repository root after {@code mvn -B -q package -DskipTests}.
 */
public final class ForkedComparison {
  private ForkedComparison() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    Fixtures fixtures = new Fixtures();
    Path directory = Files.createTempDirectory("pin-agent-bench");
    Path trustStore = TestPki.write(TestPki.trustStore(fixtures.root.certificate), directory.resolve("trust.p12"));
    Path policy = Fixtures.write(directory.resolve("pins.yaml"), fixtures.policy(1, false, "localhost"));
    List<String> jvm = List.of("-Djavax.net.ssl.trustStore=" + trustStore,
        "-Djavax.net.ssl.trustStorePassword=changeit", "-Djavax.net.ssl.trustStoreType=PKCS12");
    String agent = "policy=" + policy;

    System.out.println("machine: " + Runtime.getRuntime().availableProcessors() + " CPUs, Java "
        + System.getProperty("java.version") + ", agent jar " + Files.size(ForkedRuns.agentJar()) / 1024 + " KiB");

    HttpsServer https = httpsServer(fixtures);
    try {
      String url = "https://localhost:" + https.getAddress().getPort() + "/";
      List<Double> without = new ArrayList<>();
      List<Double> with = new ArrayList<>();
      ForkedRuns.run(null, jvm, OneRequest.class, url);
      ForkedRuns.run(agent, jvm, OneRequest.class, url);
      for (int i = 0; i < rounds; i++) {
        without.add(timeMillis(() -> ForkedRuns.run(null, jvm, OneRequest.class, url)));
        with.add(timeMillis(() -> ForkedRuns.run(agent, jvm, OneRequest.class, url)));
      }
      double plain = ForkedRuns.median(without);
      double pinned = ForkedRuns.median(with);
      System.out.println(String.format(Locale.ROOT, "startup, one HTTPS request (%d alternating runs each): "
          + "median %.0f ms without the agent, %.0f ms with it: +%.0f ms, ratio %.2f", rounds, plain, pinned,
          pinned - plain, pinned / plain));
    } finally {
      https.stop(0);
    }

    try (TestTlsServer server = TestTlsServer.start(fixtures.leaf.keyPair.getPrivate(), fixtures.leaf.certificate,
        fixtures.intermediate.certificate)) {
      String port = String.valueOf(server.port());
      List<Double> without = new ArrayList<>();
      List<Double> with = new ArrayList<>();
      for (int i = 0; i < Math.max(3, rounds / 2); i++) {
        without.add(Double.parseDouble(ForkedRuns.run(null, jvm, HandshakeLoop.class, port, "300", "1500").trim()));
        with.add(Double.parseDouble(ForkedRuns.run(agent, jvm, HandshakeLoop.class, port, "300", "1500").trim()));
      }
      double plain = ForkedRuns.median(without);
      double pinned = ForkedRuns.median(with);
      System.out.println(String.format(Locale.ROOT, "handshakes in a forked client loop (%d alternating runs "
          + "each, 1500 full TLS 1.3 handshakes per run): median %.0f/s without the agent, %.0f/s with it: "
          + "time ratio %.3f", without.size(), plain, pinned, plain / pinned));
    }
  }

  private interface Run {
    void run() throws Exception;
  }

  private static double timeMillis(Run run) throws Exception {
    long start = System.nanoTime();
    run.run();
    return (System.nanoTime() - start) / 1e6;
  }

  private static HttpsServer httpsServer(Fixtures fixtures) throws Exception {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(new KeyManager[] {new FixedKeyManager(fixtures.leaf.keyPair.getPrivate(), fixtures.leaf.certificate,
        fixtures.intermediate.certificate)}, null, null);
    HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
    server.setHttpsConfigurator(new HttpsConfigurator(context));
    byte[] body = "ok".getBytes();
    server.createContext("/", exchange -> {
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
    return server;
  }

}
