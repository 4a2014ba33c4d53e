package dev.pinagent.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.pinagent.it.clients.HttpsProbe;
import dev.pinagent.it.support.ForkedJvm;
import dev.pinagent.it.support.LabTest;
import dev.pinagent.it.support.Metrics;
import dev.pinagent.signing.SigningKey;
import dev.pinagent.testing.FixedKeyManager;
import dev.pinagent.testing.TestPki;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Policies served by a policy server on 127.0.0.1 to forked JVMs: fetched, rotated, polled conditionally, a
 * tampered version refused with the last good kept, a restart while the server is down (with and without a
 * cache), and a policy server pinned in the policy it serves, renewing its certificate within its pins.
 */
class PolicyServerIT extends LabTest {
  private static final int INVALID_CONFIGURATION = 78;
  private static final Duration INTERVAL = Duration.ofMillis(300);
  private static final AtomicInteger DIRECTORIES = new AtomicInteger();

  private final SigningKey key = SigningKey.generate();
  private final Map<String, byte[]> files = new ConcurrentHashMap<>();
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private final RotatingKeyManager serverKeys = new RotatingKeyManager();
  private HttpServer http;
  private ExecutorService handlers;
  private HttpsServer https;
  private Path directory;
  private Path publicKey;

  @BeforeEach
  void startServers() throws Exception {
    directory = Files.createDirectories(lab.directory.resolve("served-" + DIRECTORIES.incrementAndGet()));
    publicKey = Files.writeString(directory.resolve("keys.pub"), key.publicPem());
    http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
    http.createContext("/", this::serve);
    http.createContext("/endless.yaml", PolicyServerIT::serveEndlessly);
    http.createContext("/slow.yaml", PolicyServerIT::serveSlowly);
    http.createContext("/elsewhere.yaml", exchange -> {
      // The same server under another name: another host to the agent, which must not follow.
      exchange.getResponseHeaders().add("Location", "http://localhost:" + http.getAddress().getPort() + "/pins.yaml");
      exchange.sendResponseHeaders(302, -1);
      exchange.close();
    });
    // The hostile answers hold their exchange for long: each gets a thread of its own.
    handlers = Executors.newCachedThreadPool();
    http.setExecutor(handlers);
    http.start();
    serverKeys.use(serverLeaf());
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(new KeyManager[] {serverKeys}, null, null);
    https = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
    https.setHttpsConfigurator(new HttpsConfigurator(context));
    https.createContext("/", this::serve);
    https.start();
  }

  @AfterEach
  void stopServers() {
    handlers.shutdownNow();
    for (HttpServer server : List.of(http, https)) {
      try {
        server.stop(0);
      } catch (IllegalStateException alreadyStopped) {
        // A test stopped it to take the policy server down.
      }
    }
  }

  /** A new key and certificate for the policy server, from the good issuing CA: a renewal within its pins. */
  private static TestPki.Issued serverLeaf() {
    return TestPki.leaf("127.0.0.1").ip("127.0.0.1").issuedBy(lab.goodIntermediate).build();
  }

  private void serve(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    String etag = exchange.getRequestHeaders().getFirst("If-None-Match");
    byte[] body = files.get(path);
    if (body == null) {
      requests.add(path + " 404");
      exchange.sendResponseHeaders(404, -1);
    } else {
      String tag = "\"" + Integer.toHexString(java.util.Arrays.hashCode(body)) + "\"";
      exchange.getResponseHeaders().add("ETag", tag);
      boolean unchanged = tag.equals(etag);
      requests.add(path + (unchanged ? " 304" : " 200"));
      if (unchanged) {
        exchange.sendResponseHeaders(304, -1);
      } else {
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
      }
    }
    exchange.close();
  }

  /** A policy that never ends: comment lines, chunk after chunk, until the client hangs up (or a minute passes). */
  private static void serveEndlessly(HttpExchange exchange) throws IOException {
    exchange.sendResponseHeaders(200, 0);
    byte[] lines = "# and more\n".repeat(1000).getBytes(StandardCharsets.US_ASCII);
    long end = System.nanoTime() + Duration.ofMinutes(1).toNanos();
    try (OutputStream body = exchange.getResponseBody()) {
      body.write("version: 1\n".getBytes(StandardCharsets.US_ASCII));
      while (System.nanoTime() < end) {
        body.write(lines);
      }
    } catch (IOException clientHungUp) {
      // What the agent should do.
    }
  }

  /** A policy dripped a byte every half second: each read returns well within the read timeout. */
  private static void serveSlowly(HttpExchange exchange) throws IOException {
    exchange.sendResponseHeaders(200, 0);
    long end = System.nanoTime() + Duration.ofMinutes(1).toNanos();
    try (OutputStream body = exchange.getResponseBody()) {
      while (System.nanoTime() < end) {
        body.write('#');
        body.flush();
        Thread.sleep(500);
      }
    } catch (IOException | InterruptedException clientHungUpOrTestOver) {
      // What the agent should do, or the server is stopping.
    }
  }

  /** Serves {@code text} at /pins.yaml, signed: the signature first, as a careful deploy does. */
  private void publish(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    files.put("/pins.yaml.sig", key.sign(bytes).format().getBytes(StandardCharsets.US_ASCII));
    files.put("/pins.yaml", bytes);
  }

  /** localhost (the lab's good server) pinned to {@code localhostPin}; 127.0.0.1 (the policy server) to its CA. */
  private static String policy(long serial, String localhostPin, String policyServerPin) {
    return "version: 1\nserial: " + serial + "\nmode: enforce\npin-sets:\n"
        + "  - name: partner\n    hosts: [localhost]\n    pins: [" + localhostPin + ", " + TestPki.randomPin() + "]\n"
        + "  - name: policy-server\n    hosts: [127.0.0.1]\n    pins: [" + policyServerPin + ", "
        + TestPki.randomPin() + "]\n";
  }

  private String httpUrl() {
    return "http://127.0.0.1:" + http.getAddress().getPort() + "/pins.yaml";
  }

  private String httpsUrl() {
    return "https://127.0.0.1:" + https.getAddress().getPort() + "/pins.yaml";
  }

  private ForkedJvm.Running service(Path javaHome, String url, String extra, int metricsPort) {
    return lab.client(javaHome)
        .agent("policy=" + url + ",policy.public-key=" + publicKey + ",metrics.port=" + metricsPort
            + ",policy.reload.interval=" + INTERVAL.toMillis() + "ms" + extra)
        .main(HttpsProbe.class, "jdk-default", "--commands")
        .start();
  }

  private ForkedJvm.Result runOnce(Path javaHome, String url, String extra) {
    return lab.client(javaHome)
        .agent("policy=" + url + ",policy.public-key=" + publicKey + extra)
        .main(HttpsProbe.class, "jdk-default", lab.good.url("localhost"))
        .run();
  }

  private static String fetch(ForkedJvm.Running jvm, AtomicInteger commands, String url) {
    jvm.send(url);
    jvm.awaitOutput("DONE " + commands.incrementAndGet());
    String last = null;
    for (String line : jvm.output().split("\n")) {
      if (line.startsWith("RESULT ")) {
        last = line.substring(("RESULT " + url + " ").length());
      }
    }
    return last;
  }

  private static Metrics await(int metricsPort, String what, java.util.function.Predicate<Metrics> condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      Metrics metrics = Metrics.scrapeWithin(metricsPort, Duration.ofSeconds(60));
      if (condition.test(metrics)) {
        return metrics;
      }
      assertThat(System.nanoTime()).as(what + "; scrape:\n" + metrics).isLessThan(deadline);
      try {
        Thread.sleep(INTERVAL.toMillis() / 3);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  private static double loads(Metrics metrics, String result, String reason) {
    return metrics.value("tls_pin_policy_loads_total", "result=\"" + result + "\"", "reason=\"" + reason + "\"");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("modernJvms")
  void followsAServedPolicyPollsConditionallyAndRefusesATamperedVersionKeepingTheLastGood(Path javaHome) {
    publish(policy(1, lab.goodIntermediate.pin(), lab.goodIntermediate.pin()));
    int metricsPort = Metrics.freePort();
    ForkedJvm.Running jvm = service(javaHome, httpUrl(), ",policy.cache=" + directory.resolve("cache"), metricsPort);
    AtomicInteger commands = new AtomicInteger();
    String goodUrl = lab.good.url("localhost");
    assertThat(fetch(jvm, commands, goodUrl)).startsWith("OK");

    await(metricsPort, "conditional polls answered 304", m -> requests.stream().filter(r -> r.endsWith(" 304"))
        .count() >= 4);

    // Rotated: the next version pins localhost to a key the lab's server does not have.
    publish(policy(2, TestPki.randomPin(), lab.goodIntermediate.pin()));
    await(metricsPort, "the rotated policy is loaded", m -> loads(m, "success", "none") >= 2);
    assertThat(fetch(jvm, commands, goodUrl)).startsWith("FAIL").contains("Certificate pinning failure");
    assertThat(Files.exists(directory.resolve("cache/policy.yaml"))).isTrue();

    // Tampered on the server: one byte changed after signing.
    byte[] signed = policy(3, lab.goodIntermediate.pin(), lab.goodIntermediate.pin()).getBytes(StandardCharsets.UTF_8);
    files.put("/pins.yaml.sig", key.sign(signed).format().getBytes(StandardCharsets.US_ASCII));
    signed[signed.length - 3] ^= 1;
    files.put("/pins.yaml", signed);
    Metrics refused = await(metricsPort, "the tampered version is refused", m -> loads(m, "failure", "signature") >= 1);
    assertThat(refused.value("tls_pin_policy_reload_failing")).isEqualTo(1);
    assertThat(loads(refused, "success", "none")).isEqualTo(2);
    assertThat(fetch(jvm, commands, goodUrl)).as("the last good policy stays").startsWith("FAIL");

    // The server goes away: counted as unreachable, and the policy in force stays.
    http.stop(0);
    await(metricsPort, "an unreachable server is counted", m -> loads(m, "failure", "unreachable") >= 1);

    jvm.closeInput();
    ForkedJvm.Result result = jvm.await();
    assertThat(result.exitCode).as(result.toString()).isZero();
    assertThat(result.stderr).contains("[pin-agent] pinning 2 pin-set(s) from " + httpUrl())
        .contains("policy reload refused: the policy source is not validly signed")
        .contains("policy reload refused: the policy source cannot be read");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("modernJvms")
  void restartsPinnedFromTheCacheWhileTheServerIsDownAndFollowsOnPolicyErrorWithoutOne(Path javaHome) {
    publish(policy(1, lab.goodIntermediate.pin(), lab.goodIntermediate.pin()));
    String cache = ",policy.cache=" + directory.resolve("cache");
    ForkedJvm.Result first = runOnce(javaHome, httpUrl(), cache);
    assertThat(first.exitCode).as(first.toString()).isZero();
    String url = httpUrl();
    http.stop(0);

    ForkedJvm.Result cached = lab.client(javaHome)
        .agent("policy=" + url + ",policy.public-key=" + publicKey + cache)
        .main(HttpsProbe.class, "jdk-default", lab.evil.url("localhost"))
        .run();
    assertThat(cached.exitCode).as(cached.toString()).isZero();
    assertThat(cached.stderr).contains("[pin-agent] WARNING: the policy server is unreachable (" + url)
        .contains("using the policy cached in " + directory.resolve("cache") + ", verified again");
    assertThat(cached.resultFor(lab.evil.url("localhost"))).as("started pinned").startsWith("FAIL")
        .contains("Certificate pinning failure");

    ForkedJvm.Result noCache = runOnce(javaHome, url, "");
    assertThat(noCache.exitCode).as(noCache.toString()).isEqualTo(INVALID_CONFIGURATION);
    assertThat(noCache.stderr).contains("[pin-agent] FATAL: invalid pin policy: " + url + ": cannot be fetched: ");

    ForkedJvm.Result unpinned = runOnce(javaHome, url, ",on.policy.error=unpinned");
    assertThat(unpinned.exitCode).as(unpinned.toString()).isZero();
    assertThat(unpinned.stderr).contains("starting UNPINNED as on.policy.error=unpinned asks");
  }

  /**
   * A policy server that answers with something hostile stops the JVM at startup (no cache, on.policy.error=fail)
   * with one line saying what was wrong, in bounded time: a signature of the wrong length or not base64, a body
   * that never ends (cut at the 4 MiB limit), a redirect to another host, a server dripping bytes within the read
   * timeout (given up at the 20 s deadline for the whole response).
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("modernJvms")
  void refusesHostileAnswersAtStartupWithAClearLineInBoundedTime(Path javaHome) {
    byte[] policy = policy(1, lab.goodIntermediate.pin(), lab.goodIntermediate.pin()).getBytes(StandardCharsets.UTF_8);
    files.put("/short-signature.yaml", policy);
    files.put("/short-signature.yaml.sig", ("key-id: " + key.keyId() + "\nsignature: "
        + Base64.getEncoder().encodeToString(new byte[63]) + "\n").getBytes(StandardCharsets.US_ASCII));
    files.put("/not-base64.yaml", policy);
    files.put("/not-base64.yaml.sig", ("key-id: " + key.keyId() + "\nsignature: " + "*".repeat(88) + "\n")
        .getBytes(StandardCharsets.US_ASCII));
    String server = "http://127.0.0.1:" + http.getAddress().getPort();
    Map<String, List<String>> expected = new LinkedHashMap<>();
    expected.put("/short-signature.yaml", List.of("[pin-agent] FATAL: pin policy signature refused: " + server
        + "/short-signature.yaml.sig:2: the signature is 63 bytes; an Ed25519 signature is 64 bytes"));
    expected.put("/not-base64.yaml", List.of("[pin-agent] FATAL: pin policy signature refused: " + server
        + "/not-base64.yaml.sig:2: the signature is not base64"));
    expected.put("/endless.yaml", List.of("[pin-agent] FATAL: invalid pin policy: " + server + "/endless.yaml: the "
        + "response is larger than 4194304 bytes; is it a policy?"));
    expected.put("/elsewhere.yaml", List.of("[pin-agent] FATAL: invalid pin policy: " + server + "/elsewhere.yaml: "
        + "the policy server redirects to http://localhost:" + http.getAddress().getPort() + "/pins.yaml"));
    // How many bytes arrived depends on the machine's load; the deadline does not.
    expected.put("/slow.yaml", List.of("[pin-agent] FATAL: invalid pin policy: " + server + "/slow.yaml: the policy "
        + "server sent ", " bytes in 20000 ms and was given up on (too slow)"));

    for (Map.Entry<String, List<String>> answer : expected.entrySet()) {
      long start = System.nanoTime();
      ForkedJvm.Result result = runOnce(javaHome, server + answer.getKey(), "");
      long seconds = Duration.ofNanos(System.nanoTime() - start).toSeconds();
      assertThat(result.exitCode).as(answer.getKey() + ": " + result).isEqualTo(INVALID_CONFIGURATION);
      assertThat(result.stderr).as(answer.getKey()).contains(answer.getValue());
      // The JVM's own start and stop under load included; the slow server is given up on at 20 s.
      assertThat(seconds).as(answer.getKey() + ": seconds to refuse").isLessThan(50);
    }
    assertThat(requests).as("the signatures were fetched and refused, not missing")
        .contains("/short-signature.yaml.sig 200", "/not-base64.yaml.sig 200");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("modernJvms")
  void refusesAPolicyServerWithoutAPublicKey(Path javaHome) {
    ForkedJvm.Result result = lab.client(javaHome)
        .agent("policy=" + httpsUrl())
        .main(HttpsProbe.class, "jdk-default", lab.good.url("localhost"))
        .run();
    assertThat(result.exitCode).isEqualTo(INVALID_CONFIGURATION);
    assertThat(result.stderr).contains("[pin-agent] FATAL: invalid agent options: policy=" + httpsUrl()
        + " is served by a policy server, which needs policy.public-key");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("modernJvms")
  void aPolicyServerPinnedInItsOwnPolicyRenewsWithinItsPinsAndIsRefusedOutsideThem(Path javaHome) {
    publish(policy(1, lab.goodIntermediate.pin(), lab.goodIntermediate.pin()));
    int metricsPort = Metrics.freePort();
    ForkedJvm.Running jvm = service(javaHome, httpsUrl(), "", metricsPort);
    AtomicInteger commands = new AtomicInteger();
    assertThat(fetch(jvm, commands, lab.good.url("localhost"))).startsWith("OK");

    // The server renews its certificate (new key, same CA); the next version is still fetched through it.
    serverKeys.use(serverLeaf());
    publish(policy(2, lab.goodIntermediate.pin(), lab.goodIntermediate.pin()));
    await(metricsPort, "fetched after the renewal", m -> loads(m, "success", "none") >= 2);

    // A version that pins the policy server elsewhere is accepted (it is signed), and from then on the
    // server's own certificate fails the pin: the fetch is pinned, and fails cleanly without a deadlock.
    publish(policy(3, lab.goodIntermediate.pin(), TestPki.randomPin()));
    await(metricsPort, "the version is loaded", m -> loads(m, "success", "none") >= 3);
    serverKeys.use(serverLeaf());
    publish(policy(4, lab.goodIntermediate.pin(), lab.goodIntermediate.pin()));
    Metrics refused = await(metricsPort, "the fetch is refused by the pin", m -> loads(m, "failure", "unreachable") >= 1);
    assertThat(loads(refused, "success", "none")).isEqualTo(3);
    assertThat(fetch(jvm, commands, lab.good.url("localhost"))).as("the application is unaffected").startsWith("OK");

    jvm.closeInput();
    ForkedJvm.Result result = jvm.await();
    assertThat(result.exitCode).as(result.toString()).isZero();
    assertThat(result.stderr).contains("Certificate pinning failure for host 127.0.0.1 (pin-set 'policy-server')");
  }

  /** A server key manager whose key and certificate can be replaced while the server runs. */
  private static final class RotatingKeyManager extends X509ExtendedKeyManager {
    private volatile FixedKeyManager current;

    void use(TestPki.Issued leaf) {
      current = new FixedKeyManager(leaf.keyPair.getPrivate(), leaf.certificate, lab.goodIntermediate.certificate);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
      return current.chooseEngineServerAlias(keyType, issuers, engine);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return current.chooseServerAlias(keyType, issuers, socket);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return current.getServerAliases(keyType, issuers);
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
      return null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return current.getCertificateChain(alias);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return current.getPrivateKey(alias);
    }
  }
}
