package dev.pinagent.inventory;

import dev.pinagent.verify.ViolationListener;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pinagent.json.Json;
import dev.pinagent.metrics.PinCounters;
import dev.pinagent.metrics.PinMetrics;
import dev.pinagent.policy.Policy;
import dev.pinagent.policy.yaml.PolicyLoader;
import dev.pinagent.testing.Fleet;
import dev.pinagent.testing.TestPki;
import dev.pinagent.verify.CheckResult;
import dev.pinagent.verify.PinVerifier;
import dev.pinagent.verify.SpkiPins;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class InventoryRecorderTest {
  private static final String NOTHING_PINNED = "version: 1\npin-sets: []\n";

  private final Fleet fleet = new Fleet();
  private final LongAdder dropped = new LongAdder();
  private final List<String> log = new ArrayList<>();

  @TempDir
  Path directory;

  private InventoryRecorder recorder(Path file, int maxHosts) {
    return new InventoryRecorder(file, maxHosts, Duration.ofSeconds(60), dropped, System::currentTimeMillis,
        log::add);
  }

  private static Map<?, ?> json(InventoryRecorder recorder) throws Exception {
    return (Map<?, ?>) Json.read(recorder.json(), 1 << 26);
  }

  private static List<Map<?, ?>> hosts(Map<?, ?> json) {
    return ((List<?>) json.get("hosts")).stream().map(host -> (Map<?, ?>) host).collect(Collectors.toList());
  }

  private static List<String> issuersOf(Map<?, ?> host) {
    List<String> issuers = new ArrayList<>();
    for (Object chain : (List<?>) host.get("chains")) {
      List<?> path = (List<?>) ((Map<?, ?>) chain).get("path");
      issuers.add((String) ((Map<?, ?>) path.get(1)).get("subject"));
    }
    return issuers;
  }

  @Test
  void recordsEachHostPortAndPathWithItsHandshakesAndWhatThePolicySaid() throws Exception {
    InventoryRecorder recorder = recorder(null, 2000);
    PinVerifier verifier = Fleet.verifier("version: 1\npin-sets:\n  - name: alpha\n    hosts: [a.example.com]\n"
        + "    pins: [" + fleet.issuerA.pin() + ", " + TestPki.randomPin() + "]\n", recorder);
    X509Certificate[] a = fleet.chain(fleet.issuerA, "a.example.com");
    X509Certificate[] b = fleet.chain(fleet.issuerA, "b.example.com");
    X509Certificate[] c = fleet.chain(fleet.issuerB, "c.example.com");
    X509Certificate[] cMoved = fleet.chain(fleet.issuerA, "c.example.com");
    for (int i = 0; i < 3; i++) {
      verifier.check(a, "a.example.com", "a.example.com", 443, fleet.trustManager);
    }
    verifier.check(b, "b.example.com", "10.0.0.2", 8443, fleet.trustManager);
    verifier.check(c, "c.example.com", "c.example.com", 443, fleet.trustManager);
    verifier.check(cMoved, "c.example.com", "c.example.com", 443, fleet.trustManager);

    List<Map<?, ?>> hosts = hosts(json(recorder));
    assertThat(hosts).extracting(host -> host.get("host") + ":" + host.get("port"))
        .containsExactly("a.example.com:443", "b.example.com:8443", "c.example.com:443");
    Map<?, ?> first = hosts.get(0);
    assertThat(first.get("handshakes")).isEqualTo(3);
    Map<?, ?> chain = (Map<?, ?>) ((List<?>) first.get("chains")).get(0);
    assertThat(chain.get("pinSet")).isEqualTo("alpha");
    assertThat(chain.get("result")).isEqualTo("match");
    List<?> path = (List<?>) chain.get("path");
    assertThat(path).hasSize(3);
    Map<?, ?> anchor = (Map<?, ?>) path.get(2);
    assertThat(anchor.get("subject")).isEqualTo("CN=Alpha Root CA,O=Alpha");
    assertThat(anchor.get("pin")).isEqualTo(fleet.rootA.pin());
    assertThat(anchor.get("key")).isEqualTo("EC 256");
    assertThat(anchor.get("notAfter")).isEqualTo(fleet.rootA.certificate.getNotAfter().toInstant().toString());
    assertThat(hosts.get(1).get("peerHosts")).isEqualTo(List.of("10.0.0.2"));
    assertThat(((Map<?, ?>) ((List<?>) hosts.get(1).get("chains")).get(0)).get("result")).isEqualTo("unpinned");
    assertThat(issuersOf(hosts.get(2))).containsExactly("CN=Beta Issuing CA,O=Beta", "CN=Alpha Issuing CA,O=Alpha");
    assertThat(hosts.get(2).get("handshakes")).isEqualTo(2);
  }

  @Test
  void recordsAChainThePolicyBlockedAsBlocked() throws Exception {
    InventoryRecorder recorder = recorder(null, 2000);
    PinVerifier verifier = Fleet.verifier("version: 1\nmode: enforce\npin-sets:\n  - name: alpha\n"
        + "    hosts: [a.example.com]\n    pins: [" + fleet.issuerA.pin() + ", " + TestPki.randomPin() + "]\n",
        recorder);
    assertThatThrownBy(() -> verifier.check(fleet.interception("a.example.com"), "a.example.com", null, 443,
        fleet.trustManager)).isInstanceOf(CertificateException.class);

    Map<?, ?> chain = (Map<?, ?>) ((List<?>) hosts(json(recorder)).get(0).get("chains")).get(0);
    assertThat(chain.get("result")).isEqualTo("blocked");
    assertThat(chain.get("pinSet")).isEqualTo("alpha");
  }

  @Test
  void anObserverThatThrowsChangesNothingInTheCheckAndIsCounted() throws Exception {
    Policy policy = PolicyLoader.parse("p.yaml", "version: 1\nmode: enforce\npin-sets:\n  - name: alpha\n"
        + "    hosts: [a.example.com]\n    pins: [" + fleet.issuerA.pin() + ", " + TestPki.randomPin() + "]\n");
    PinCounters counters = new PinCounters(policy, 1);
    PinVerifier verifier = new PinVerifier(policy, counters, new SpkiPins(10), System::currentTimeMillis,
        ViolationListener.logging(line -> { }), (chain, sni, peer, port, trustManager, set, result) -> {
          throw new IllegalStateException("observer bug");
        });

    assertThat(verifier.check(fleet.chain(fleet.issuerA, "a.example.com"), "a.example.com", 443,
        fleet.trustManager)).isEqualTo(CheckResult.MATCH);
    assertThat(verifier.check(fleet.chain(fleet.issuerA, "b.example.com"), "b.example.com", 443,
        fleet.trustManager)).isEqualTo(CheckResult.UNPINNED);
    assertThatThrownBy(() -> verifier.check(fleet.interception("a.example.com"), "a.example.com", 443,
        fleet.trustManager)).isInstanceOf(CertificateException.class).hasMessageContaining("pinning failure");
    assertThat(counters.inventoryDropped().sum()).isZero();
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    new PinMetrics(counters, System::currentTimeMillis).bindTo(meters);
    assertThat(meters.get(PinMetrics.AGENT_ERRORS).tag("stage", "inventory").functionCounter().count())
        .isEqualTo(3);
  }

  @Test
  void holdsAtMostMaxHostsAndFourPathsPerHostAndCountsTheRest() throws Exception {
    InventoryRecorder recorder = recorder(null, 2000);
    PinVerifier verifier = Fleet.verifier(NOTHING_PINNED, recorder);
    X509Certificate[] shared = fleet.chain(fleet.issuerA, "shared.example.com");
    for (int i = 0; i < 5000; i++) {
      verifier.check(shared, "host" + i + ".example.com", null, 443, fleet.trustManager);
      if (i % 500 == 0) {
        recorder.drain(null);
      }
    }
    for (int i = 0; i < 6; i++) {
      verifier.check(fleet.chain(fleet.issuerB, "host0.example.com"), "host0.example.com", null, 443,
          fleet.trustManager);
    }
    Map<?, ?> json = json(recorder);
    assertThat(hosts(json)).hasSize(2000);
    assertThat(((List<?>) hosts(json).get(0).get("chains"))).hasSize(4);
    // host0 has its shared path and six new ones: four fit.
    assertThat(dropped.sum()).isEqualTo(3000 + 3);
    assertThat(json.get("dropped")).isEqualTo(3003);
    // The file stays small: some 2 kB per host of one path here.
    assertThat(recorder.json().length()).isLessThan(2000 * 3000);
  }

  @Test
  void aChainSeenBeforeCostsNoAllocation() throws Exception {
    java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    if (!(threads instanceof com.sun.management.ThreadMXBean)) {
      return;
    }
    com.sun.management.ThreadMXBean allocations = (com.sun.management.ThreadMXBean) threads;
    InventoryRecorder recorder = recorder(null, 2000);
    X509Certificate[] chain = fleet.chain(fleet.issuerA, "a.example.com");
    recorder.checked(chain, "a.example.com", null, 443, fleet.trustManager, null, CheckResult.UNPINNED);
    for (int i = 0; i < 20_000; i++) {
      recorder.checked(chain, "a.example.com", null, 443, fleet.trustManager, null, CheckResult.UNPINNED);
    }
    long before = allocations.getThreadAllocatedBytes(Thread.currentThread().getId());
    for (int i = 0; i < 100_000; i++) {
      recorder.checked(chain, "a.example.com", null, 443, fleet.trustManager, null, CheckResult.UNPINNED);
    }
    long allocated = allocations.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
    // A handful of bytes of slack for the measurement itself; one allocation per call would be 100,000s.
    assertThat(allocated).isLessThan(10_000);
    recorder.drain(null);
    assertThat(recorder.inventory().hosts().get(0).handshakes()).isEqualTo(1 + 20_000 + 100_000);
  }

  @Test
  void aRestartContinuesTheFile() throws Exception {
    Path file = directory.resolve("inventory.json");
    X509Certificate[] a = fleet.chain(fleet.issuerA, "a.example.com");
    InventoryRecorder first = recorder(file, 2000);
    first.load();
    Fleet.verifier(NOTHING_PINNED, first).check(a, "a.example.com", null, 443, fleet.trustManager);
    Fleet.verifier(NOTHING_PINNED, first).check(a, "a.example.com", null, 443, fleet.trustManager);
    first.write();
    String firstSeen = (String) hosts((Map<?, ?>) Json.read(Files.readString(file), 1 << 20)).get(0)
        .get("firstSeen");

    InventoryRecorder second = recorder(file, 2000);
    second.load();
    PinVerifier verifier = Fleet.verifier(NOTHING_PINNED, second);
    verifier.check(fleet.chain(fleet.issuerA, "a.example.com"), "a.example.com", null, 443, fleet.trustManager);
    verifier.check(fleet.chain(fleet.issuerB, "b.example.com"), "b.example.com", null, 443, fleet.trustManager);
    second.write();

    List<Map<?, ?>> hosts = hosts((Map<?, ?>) Json.read(Files.readString(file), 1 << 20));
    assertThat(hosts).extracting(host -> (String) host.get("host")).containsExactly("a.example.com", "b.example.com");
    assertThat(hosts.get(0).get("handshakes")).isEqualTo(3);
    assertThat(hosts.get(0).get("firstSeen")).isEqualTo(firstSeen);
    assertThat(log).anyMatch(line -> line.contains("continuing") && line.contains("1 host(s)"));
  }

  @Test
  void theDaemonThreadWritesTheFileEveryInterval() throws Exception {
    Path file = directory.resolve("inventory.json");
    InventoryRecorder recorder = new InventoryRecorder(file, 2000, Duration.ofMillis(100), dropped,
        System::currentTimeMillis, log::add);
    recorder.start((stage, error) -> log.add(stage + ": " + error));
    Fleet.verifier(NOTHING_PINNED, recorder).check(fleet.chain(fleet.issuerA, "a.example.com"), "a.example.com",
        null, 443, fleet.trustManager);
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!(Files.exists(file) && Files.readString(file).contains("a.example.com")) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(hosts((Map<?, ?>) Json.read(Files.readString(file), 1 << 20))).hasSize(1);
    assertThat(log).isEmpty();
  }

  @Test
  void theFileIsReadableByItsOwnerOnlyAndReplacedWhole() throws Exception {
    Path file = directory.resolve("inventory.json");
    InventoryRecorder recorder = recorder(file, 2000);
    recorder.load();
    Fleet.verifier(NOTHING_PINNED, recorder).check(fleet.chain(fleet.issuerA, "a.example.com"), "a.example.com",
        null, 443, fleet.trustManager);
    recorder.write();
    recorder.write();
    if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }
    try (Stream<Path> files = Files.list(directory)) {
      assertThat(files.map(path -> path.getFileName().toString())).containsExactly("inventory.json");
    }
  }

  static Stream<Arguments> unreadableFiles() {
    return Stream.of(
        Arguments.of("not JSON at all", "hello"),
        Arguments.of("cut short by a crash of another writer", "{\"format\": \"pin-agent-inventory/1\", \"hos"),
        Arguments.of("empty", ""),
        Arguments.of("another format", "{\"format\": \"something-else/1\", \"hosts\": []}"),
        Arguments.of("a key twice", "{\"format\": \"pin-agent-inventory/1\", \"format\": \"x\"}"),
        Arguments.of("a port that is text", "{\"format\": \"pin-agent-inventory/1\", \"written\": "
            + "\"2026-01-01T00:00:00Z\", \"dropped\": 0, \"hosts\": [{\"host\": \"a\", \"port\": \"443\"}]}"),
        Arguments.of("YAML that is no JSON (an alias bomb)", "{a: &a [x, x], b: [*a, *a, *a]}"),
        Arguments.of("bytes that are not UTF-8", "{\"format\": \"\u00ff\"}"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("unreadableFiles")
  void setsAsideAnUnreadableFileWithAWarningAndStartsAnew(String what, String content) throws Exception {
    Path file = directory.resolve("inventory.json");
    byte[] bytes = what.contains("UTF-8") ? new byte[] {'{', '"', (byte) 0xff, '"', '}'}
        : content.getBytes(StandardCharsets.UTF_8);
    Files.write(file, bytes);
    InventoryRecorder recorder = recorder(file, 2000);
    recorder.load();
    assertThat(log).singleElement().asString().contains("WARNING: inventory", "cannot be read", "set aside as",
        "inventory.json.unreadable-", "starting a new inventory");
    try (Stream<Path> files = Files.list(directory)) {
      Path aside = files.filter(path -> path.getFileName().toString().startsWith("inventory.json.unreadable-"))
          .findFirst().orElseThrow();
      assertThat(Files.readAllBytes(aside)).isEqualTo(bytes);
    }
    Fleet.verifier(NOTHING_PINNED, recorder).check(fleet.chain(fleet.issuerA, "a.example.com"), "a.example.com",
        null, 443, fleet.trustManager);
    recorder.write();
    assertThat(hosts((Map<?, ?>) Json.read(Files.readString(file), 1 << 20))).hasSize(1);
  }
}
