package dev.pinagent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.it.clients.HttpsProbe;
import dev.pinagent.it.support.ForkedJvm;
import dev.pinagent.it.support.JavaRuntimes;
import dev.pinagent.it.support.Metrics;
import dev.pinagent.it.support.TlsServer;
import dev.pinagent.testing.TestPki;
import dev.pinagent.testing.TestPki.Issued;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.Yaml;

/**
 * Discovery, end to end: forked JVMs with {@code inventory.file} talk to three servers under two CAs (and, after a
 * restart, to one of them moved to the other CA); the inventories hold exactly what was seen; {@code propose} on
 * two of them writes a policy that {@code check} passes and that, enforced by the agent, accepts every server seen
 * and refuses a man in the middle the JVM trusts.
 *
 * <p>The inventories and the proposal of the last JVM are kept in {@code target/inventory-it/} (the example in
 * docs/inventory.md comes from such a run).
 */
class InventoryIT {
  private static final String NOTHING_PINNED = "version: 1\npin-sets: []\n";

  private static final Issued ROOT_A = TestPki.ca("CN=Alpha Root CA,O=Alpha").build();
  private static final Issued ISSUER_A =
      TestPki.ca("CN=Alpha Issuing CA,O=Alpha").pathLength(0).issuedBy(ROOT_A).build();
  private static final Issued ROOT_B = TestPki.ca("CN=Beta Root CA,O=Beta").build();
  private static final Issued ISSUER_B = TestPki.ca("CN=Beta Issuing CA,O=Beta").pathLength(0).issuedBy(ROOT_B).build();
  private static final Issued EVIL_ROOT = TestPki.ca("CN=Evil Root CA,O=Interceptor").build();

  private static final Issued API_A = TestPki.leaf("api.alpha.test").dns("api.alpha.test").issuedBy(ISSUER_A).build();
  private static final Issued API_B = TestPki.leaf("api.alpha.test").dns("api.alpha.test").issuedBy(ISSUER_B).build();
  private static final Issued SHOP = TestPki.leaf("login.shop.test").dns("login.shop.test", "cdn.shop.test")
      .issuedBy(ISSUER_A).build();
  private static final Issued PAY = TestPki.leaf("pay.beta.test").dns("pay.beta.test").ip("127.0.0.1")
      .issuedBy(ISSUER_B).build();
  private static final Issued EVIL = TestPki.leaf("api.alpha.test")
      .dns("api.alpha.test", "login.shop.test", "cdn.shop.test", "pay.beta.test").issuedBy(EVIL_ROOT).build();

  private static Path directory;
  private static Path trustStore;
  private static Path hosts;
  private static TlsServer shop;
  private static TlsServer pay;
  private static TlsServer evil;
  private TlsServer api;
  private int apiPort;

  @BeforeAll
  static void startServers() throws IOException {
    directory = Files.createTempDirectory("pin-agent-inventory-it");
    trustStore = TestPki.write(TestPki.trustStore(ROOT_A.certificate, ROOT_B.certificate, EVIL_ROOT.certificate),
        directory.resolve("truststore.p12"));
    hosts = Files.writeString(directory.resolve("hosts"), "127.0.0.1 api.alpha.test\n127.0.0.1 login.shop.test\n"
        + "127.0.0.1 cdn.shop.test\n127.0.0.1 pay.beta.test\n");
    shop = TlsServer.start("shop", "127.0.0.1", SHOP.keyPair.getPrivate(), SHOP.certificate, ISSUER_A.certificate);
    pay = TlsServer.start("pay", "127.0.0.1", PAY.keyPair.getPrivate(), PAY.certificate, ISSUER_B.certificate);
    evil = TlsServer.start("evil", "127.0.0.1", EVIL.keyPair.getPrivate(), EVIL.certificate);
  }

  @AfterAll
  static void stopServers() {
    shop.close();
    pay.close();
    evil.close();
  }

  @BeforeEach
  void startApiOnAlpha() {
    api = TlsServer.start("api", "127.0.0.1", API_A.keyPair.getPrivate(), API_A.certificate, ISSUER_A.certificate);
    apiPort = api.port();
  }

  @AfterEach
  void stopApi() {
    api.close();
  }

  /** The partner behind api.alpha.test moves to CA B: same port, new chain. */
  private void moveApiToBeta() {
    api.close();
    api = TlsServer.start("api", "127.0.0.1", apiPort, API_B.keyPair.getPrivate(), API_B.certificate,
        ISSUER_B.certificate);
  }

  private static ForkedJvm client(Path javaHome) {
    return ForkedJvm.on(javaHome).trustStore(trustStore).jvmOption("-Djdk.net.hosts.file=" + hosts);
  }

  private static String url(TlsServer server, String host) {
    return server.url(host);
  }

  /** Java 17 on, as every fleet feature's forked scenarios (see {@code LabTest.modernJvms()}). */
  static Stream<Path> jvms() {
    return JavaRuntimes.modern().stream();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> read(Path inventory) throws IOException {
    return (Map<String, Object>) new Yaml().load(Files.readString(inventory));
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> hostsOf(Map<String, Object> inventory) {
    return (List<Map<String, Object>>) inventory.get("hosts");
  }

  @SuppressWarnings("unchecked")
  private static List<String> issuersOf(Map<String, Object> host) {
    List<String> issuers = new ArrayList<>();
    for (Map<String, Object> chain : (List<Map<String, Object>>) host.get("chains")) {
      List<Map<String, Object>> path = (List<Map<String, Object>>) chain.get("path");
      issuers.add(path.get(1).get("subject") + " <- " + path.get(path.size() - 1).get("subject"));
    }
    return issuers;
  }

  private static List<String> hostPorts(Map<String, Object> inventory) {
    return hostsOf(inventory).stream().map(host -> host.get("host") + ":" + host.get("port"))
        .collect(Collectors.toList());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("jvms")
  void recordsWhatEachServiceTalksToAndProposesAPolicyThatAcceptsItAllAndRefusesTheMitm(Path javaHome)
      throws Exception {
    Path policy = Files.writeString(directory.resolve("nothing-pinned.yaml"), NOTHING_PINNED);
    Path run = Files.createDirectories(directory.resolve("run-" + JavaRuntimes.featureVersion(javaHome)));
    Path inventoryA = run.resolve("service-a.json");
    Path inventoryB = run.resolve("service-b.json");

    // Service A: three servers under two CAs.
    ForkedJvm.Result first = client(javaHome).agent("policy=" + policy + ",inventory.file=" + inventoryA)
        .main(HttpsProbe.class, "jdk-default", url(api, "api.alpha.test"), url(shop, "login.shop.test"),
            url(pay, "pay.beta.test")).run();
    assertThat(first.exitCode).as(first.toString()).isZero();
    assertThat(first.stdout).doesNotContain(" FAIL ");
    Map<String, Object> afterFirst = read(inventoryA);
    assertThat(hostPorts(afterFirst)).containsExactly("api.alpha.test:" + apiPort, "login.shop.test:" + shop.port(),
        "pay.beta.test:" + pay.port());
    assertThat(issuersOf(hostsOf(afterFirst).get(0))).containsExactly("CN=Alpha Issuing CA,O=Alpha <- "
        + "CN=Alpha Root CA,O=Alpha");
    assertThat(issuersOf(hostsOf(afterFirst).get(2))).containsExactly("CN=Beta Issuing CA,O=Beta <- "
        + "CN=Beta Root CA,O=Beta");
    assertThat(hostsOf(afterFirst)).allSatisfy(host -> assertThat(host.get("handshakes")).isEqualTo(1));
    if (Files.getFileStore(inventoryA).supportsFileAttributeView("posix")) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(inventoryA))).isEqualTo("rw-------");
    }

    // Service A restarted, after api.alpha.test moved to CA B; its inventory is also served at /inventory.
    moveApiToBeta();
    int metricsPort = Metrics.freePort();
    ForkedJvm.Running restarted = client(javaHome)
        .agent("policy=" + policy + ",inventory.file=" + inventoryA + ",metrics.port=" + metricsPort)
        .main(HttpsProbe.class, "jdk-default", "--hold", url(api, "api.alpha.test")).start();
    restarted.awaitOutput("HOLD");
    String served;
    try {
      served = get("http://127.0.0.1:" + metricsPort + "/inventory");
    } finally {
      restarted.closeInput();
    }
    ForkedJvm.Result second = restarted.await();
    assertThat(second.exitCode).as(second.toString()).isZero();
    assertThat(second.stderr).contains("[pin-agent] inventory: continuing " + inventoryA + " (3 host(s))");
    Map<String, Object> afterSecond = read(inventoryA);
    assertThat(hostPorts(afterSecond)).isEqualTo(hostPorts(afterFirst));
    Map<String, Object> moved = hostsOf(afterSecond).get(0);
    assertThat(issuersOf(moved)).containsExactly("CN=Alpha Issuing CA,O=Alpha <- CN=Alpha Root CA,O=Alpha",
        "CN=Beta Issuing CA,O=Beta <- CN=Beta Root CA,O=Beta");
    assertThat(moved.get("handshakes")).isEqualTo(2);
    assertThat(moved.get("firstSeen")).isEqualTo(hostsOf(afterFirst).get(0).get("firstSeen"));
    assertThat(served).contains("\"format\": \"pin-agent-inventory/1\"", "\"host\": \"api.alpha.test\"",
        "CN=Beta Issuing CA,O=Beta");

    // Service B: another name of the shop server, the pay server, and the pay server by IP address.
    ForkedJvm.Result third = client(javaHome).agent("policy=" + policy + ",inventory.file=" + inventoryB)
        .main(HttpsProbe.class, "jdk-default", url(shop, "cdn.shop.test"), url(pay, "pay.beta.test"),
            url(pay, "127.0.0.1")).run();
    assertThat(third.exitCode).as(third.toString()).isZero();
    assertThat(hostPorts(read(inventoryB))).containsExactly("127.0.0.1:" + pay.port(),
        "cdn.shop.test:" + shop.port(), "pay.beta.test:" + pay.port());

    // The proposal, with the jar as a user runs it, and check on it.
    ForkedJvm.Result proposed = ForkedJvm.on(javaHome).jar(ForkedJvm.agentJar(), "propose", inventoryA.toString(),
        inventoryB.toString()).run();
    assertThat(proposed.exitCode).as(proposed.toString()).isZero();
    String yaml = proposed.stdout;
    assertThat(yaml).contains("from 2 inventories:", "5 host(s) observed from ", "mode: report",
        "served through 2 issuing CAs", "- \"*.shop.test\"   # suggestion: every observed host under it",
        "#   127.0.0.1: an IP address");
    Path proposal = Files.writeString(run.resolve("proposed.yaml"), yaml);
    ForkedJvm.Result check = ForkedJvm.on(javaHome).jar(ForkedJvm.agentJar(), "check", proposal.toString()).run();
    assertThat(check.exitCode).as(check.toString()).isLessThan(2);
    assertThat(check.stdout).contains("valid: 3 pin-set(s)", "0 error(s)");

    // Enforced: every server seen is accepted (api.alpha.test through either CA), the MITM is refused.
    Path enforced = Files.writeString(run.resolve("enforced.yaml"), yaml.replace("mode: report", "mode: enforce"));
    List<String> accepted = List.of(url(api, "api.alpha.test"), url(shop, "login.shop.test"),
        url(shop, "cdn.shop.test"), url(pay, "pay.beta.test"), url(pay, "127.0.0.1"));
    List<String> refused = List.of(url(evil, "api.alpha.test"), url(evil, "login.shop.test"),
        url(evil, "pay.beta.test"));
    List<String> probe = new ArrayList<>(List.of("jdk-default"));
    probe.addAll(accepted);
    probe.addAll(refused);
    ForkedJvm.Result pinned = client(javaHome).agent("policy=" + enforced)
        .main(HttpsProbe.class, probe.toArray(new String[0])).run();
    assertThat(pinned.exitCode).as(pinned.toString()).isZero();
    for (String url : accepted) {
      assertThat(pinned.resultFor(url)).as(url + "\n" + pinned).startsWith("OK ");
    }
    for (String url : refused) {
      assertThat(pinned.resultFor(url)).as(url + "\n" + pinned).startsWith("FAIL ");
    }
    assertThat(pinned.stderr).contains("pin violation: host=api.alpha.test", "action=blocked");
    api.close();
    api = TlsServer.start("api", "127.0.0.1", apiPort, API_A.keyPair.getPrivate(), API_A.certificate,
        ISSUER_A.certificate);
    ForkedJvm.Result before = client(javaHome).agent("policy=" + enforced)
        .main(HttpsProbe.class, "jdk-default", url(api, "api.alpha.test")).run();
    assertThat(before.resultFor(url(api, "api.alpha.test"))).as(before.toString()).startsWith("OK ");

    keepForTheDocs(run);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("jvms")
  void setsAsideACorruptInventoryWithAWarningAndStarts(Path javaHome) throws Exception {
    Path policy = Files.writeString(directory.resolve("nothing-pinned.yaml"), NOTHING_PINNED);
    Path run = Files.createDirectories(directory.resolve("corrupt-" + JavaRuntimes.featureVersion(javaHome)));
    Path inventory = Files.writeString(run.resolve("inventory.json"), "{\"format\": \"pin-agent-inventory/1\", \"ho");

    ForkedJvm.Result result = client(javaHome).agent("policy=" + policy + ",inventory.file=" + inventory)
        .main(HttpsProbe.class, "jdk-default", url(pay, "pay.beta.test")).run();

    assertThat(result.exitCode).as(result.toString()).isZero();
    assertThat(result.resultFor(url(pay, "pay.beta.test"))).startsWith("OK ");
    assertThat(result.stderr).contains("[pin-agent] WARNING: inventory " + inventory + " cannot be read (",
        "set aside as " + inventory + ".unreadable-", "starting a new inventory");
    try (Stream<Path> files = Files.list(run)) {
      assertThat(files.map(path -> path.getFileName().toString()))
          .anyMatch(name -> name.startsWith("inventory.json.unreadable-"));
    }
    assertThat(hostPorts(read(inventory))).containsExactly("pay.beta.test:" + pay.port());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("jvms")
  void refusesToStartWhenTheInventoryDirectoryDoesNotExist(Path javaHome) throws Exception {
    Path policy = Files.writeString(directory.resolve("nothing-pinned.yaml"), NOTHING_PINNED);
    Path missing = directory.resolve("no-such-directory").resolve("inventory.json");

    ForkedJvm.Result result = client(javaHome).agent("policy=" + policy + ",inventory.file=" + missing)
        .main(HttpsProbe.class, "jdk-default", url(pay, "pay.beta.test")).run();

    assertThat(result.exitCode).as(result.toString()).isEqualTo(78);
    assertThat(result.stderr).contains("the option 'inventory.file' is " + missing,
        "its directory does not exist");
  }

  private static String get(String url) throws IOException {
    HttpURLConnection connection = (HttpURLConnection) new URL(url).openConnection();
    connection.setConnectTimeout(10_000);
    connection.setReadTimeout(30_000);
    try (InputStream in = connection.getInputStream()) {
      assertThat(connection.getContentType()).startsWith("application/json");
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static void keepForTheDocs(Path run) throws IOException {
    Path kept = Files.createDirectories(Paths.get("target", "inventory-it"));
    try (Stream<Path> files = Files.list(run)) {
      for (Path file : files.collect(Collectors.toList())) {
        Files.copy(file, kept.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }
}
