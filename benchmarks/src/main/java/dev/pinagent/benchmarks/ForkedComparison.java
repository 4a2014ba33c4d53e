package dev.pinagent.benchmarks;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.pinagent.signing.SigningKey;
import dev.pinagent.testing.FixedKeyManager;
import dev.pinagent.testing.TestPki;
import dev.pinagent.testing.TestTlsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;

/**
 * The costs JMH cannot see inside one JVM, each measured with and without {@code -javaagent} in alternating
 * runs on the same machine: start-up of a program making one HTTPS request, and handshake throughput of a
 * client loop. Run: {@code java -cp benchmarks/target/benchmarks.jar dev.pinagent.benchmarks.ForkedComparison
 * [rounds] [startup|handshakes]} from the repository root after {@code mvn -B -q package -DskipTests}; both
 * parts run when the second argument is absent.
 */
public final class ForkedComparison {
  private ForkedComparison() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    String part = args.length > 1 ? args[1] : "all";
    Fixtures fixtures = new Fixtures();
    Path directory = Files.createTempDirectory("pin-agent-bench");
    Path trustStore = TestPki.write(TestPki.trustStore(fixtures.root.certificate), directory.resolve("trust.p12"));
    Path policy = Fixtures.write(directory.resolve("pins.yaml"), fixtures.policy(1, false, "localhost"));
    List<String> jvm = List.of("-Djavax.net.ssl.trustStore=" + trustStore,
        "-Djavax.net.ssl.trustStorePassword=changeit", "-Djavax.net.ssl.trustStoreType=PKCS12");
    String agent = "policy=" + policy;
    // The same policy signed, with a serial, for the start-up variant with policy.public-key.
    String signedText = fixtures.policy(1, false, "localhost").replace("version: 1\n", "version: 1\nserial: 1\n");
    Path signedPolicy = Fixtures.write(directory.resolve("signed.yaml"), signedText);
    SigningKey key = SigningKey.generate();
    Fixtures.write(directory.resolve("signed.yaml.sig"),
        key.sign(signedText.getBytes(StandardCharsets.UTF_8)).format());
    Path publicKey = Fixtures.write(directory.resolve("signing.pub"), key.publicPem());
    String signedAgent = "policy=" + signedPolicy + ",policy.public-key=" + publicKey;

    System.out.println("machine: " + Runtime.getRuntime().availableProcessors() + " CPUs, Java "
        + System.getProperty("java.version") + ", agent jar " + Files.size(ForkedRuns.agentJar()) / 1024 + " KiB");

    if (!part.equals("handshakes")) {
      startup(fixtures, jvm, agent, signedAgent, rounds);
    }
    if (!part.equals("startup")) {
      handshakes(fixtures, jvm, agent, rounds);
    }
  }

  private static void startup(Fixtures fixtures, List<String> jvm, String agent, String signedAgent, int rounds)
      throws Exception {
    HttpsServer https = httpsServer(fixtures);
    try {
      String url = "https://localhost:" + https.getAddress().getPort() + "/";
      // The variants run in turn within each round, so that drift in the machine's speed hits all alike.
      List<String> emptyAgent = new ArrayList<>(jvm);
      emptyAgent.add("-javaagent:" + emptyAgentJar());
      String[] agents = {null, null, agent, agent + ",metrics.port=0", agent + ",policy.reload=false", signedAgent};
      List<List<String>> options = List.of(jvm, emptyAgent, jvm, jvm, jvm, jvm);
      String[] names = {"no agent", "an empty agent (the JVM's own cost of -javaagent)",
        "PinAgent (policy reload on, the default)", "PinAgent with the metrics endpoint",
        "PinAgent with policy.reload=false", "PinAgent with a signed policy (policy.public-key)"};
      List<List<double[]>> timings = new ArrayList<>();
      for (int v = 0; v < agents.length; v++) {
        ForkedRuns.run(agents[v], options.get(v), OneRequest.class, url);
        timings.add(new ArrayList<>());
      }
      for (int i = 0; i < rounds; i++) {
        for (int v = 0; v < agents.length; v++) {
          timings.get(v).add(ForkedRuns.timeToLineAndExit(agents[v], options.get(v), OneRequest.class, url));
        }
      }
      double plainResponse = median(timings.get(0), 0);
      double plainExit = median(timings.get(0), 1);
      System.out.println(String.format(Locale.ROOT, "startup, one HTTPS request (%d rounds; medians, and the "
          + "median of each round's difference from the run without the agent next to it): %s %.0f ms to the "
          + "response, %.0f ms to exit", rounds, names[0], plainResponse, plainExit));
      for (int v = 1; v < agents.length; v++) {
        double response = median(timings.get(v), 0);
        double exit = median(timings.get(v), 1);
        System.out.println(String.format(Locale.ROOT, "  %s: %.0f ms to the response (+%.0f ms, ratio %.2f), "
            + "%.0f ms to exit (+%.0f ms, ratio %.2f)", names[v], response,
            medianDifference(timings.get(v), timings.get(0), 0), response / plainResponse, exit,
            medianDifference(timings.get(v), timings.get(0), 1), exit / plainExit));
        if (v > 1) {
          System.out.println(String.format(Locale.ROOT, "    beyond the empty agent: +%.0f ms to the response",
              medianDifference(timings.get(v), timings.get(1), 0)));
        }
        if (v > 2) {
          System.out.println(String.format(Locale.ROOT, "    beyond PinAgent's default: %+.0f ms to the response",
              medianDifference(timings.get(v), timings.get(2), 0)));
        }
      }
    } finally {
      https.stop(0);
    }
  }

  private static void handshakes(Fixtures fixtures, List<String> jvm, String agent, int rounds) throws Exception {
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

  /** A jar holding only a manifest naming {@link EmptyAgent}, which the forked JVM finds on its class path. */
  private static Path emptyAgentJar() throws IOException {
    Path jar = Files.createTempFile("empty-agent", ".jar");
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().putValue("Premain-Class", EmptyAgent.class.getName());
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
      out.flush();
    }
    jar.toFile().deleteOnExit();
    return jar;
  }

  /** The median over rounds of {@code with - without}: drift in the machine's speed cancels within a round. */
  private static double medianDifference(List<double[]> with, List<double[]> without, int which) {
    List<Double> differences = new ArrayList<>();
    for (int i = 0; i < with.size(); i++) {
      differences.add(with.get(i)[which] - without.get(i)[which]);
    }
    return ForkedRuns.median(differences);
  }

  private static double median(List<double[]> timings, int which) {
    List<Double> values = new ArrayList<>();
    for (double[] timing : timings) {
      values.add(timing[which]);
    }
    return ForkedRuns.median(values);
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
