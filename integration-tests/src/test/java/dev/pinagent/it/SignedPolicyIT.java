package dev.pinagent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.it.clients.HttpsProbe;
import dev.pinagent.it.support.ForkedJvm;
import dev.pinagent.it.support.LabTest;
import dev.pinagent.it.support.Metrics;
import dev.pinagent.testing.TestPki;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Signed policies end to end, with the real jar's own tools: keys made by {@code keygen}, policies signed by
 * {@code sign}, checked by forked JVMs with {@code policy.public-key}. A bad signature stops the JVM at startup
 * with one line saying which; on reload it is refused and the last good policy stays.
 */
class SignedPolicyIT extends LabTest {
  private static final int INVALID_CONFIGURATION = 78;
  private static final Duration INTERVAL = Duration.ofMillis(300);
  private static final AtomicInteger DIRECTORIES = new AtomicInteger();

  /** localhost pinned to {@code pin} in enforce mode, with {@code serial}. */
  private static String policy(long serial, String pin) {
    return "version: 1\nserial: " + serial + "\nmode: enforce\npin-sets:\n"
        + "  - name: partner\n    hosts: [localhost]\n    pins:\n"
        + "      - " + pin + "\n      - " + TestPki.randomPin() + "   # backup\n";
  }

  private static Path newDirectory() {
    try {
      return Files.createDirectories(lab.directory.resolve("signed-" + DIRECTORIES.incrementAndGet()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs {@code java -jar pin-agent.jar args} on the JVM running the tests. */
  private static ForkedJvm.Result tool(String... args) {
    return ForkedJvm.on(Path.of(System.getProperty("java.home"))).jar(ForkedJvm.agentJar(), args).run();
  }

  /** Makes a key pair in a new directory with the jar's {@code keygen}. */
  private static Path keygen() {
    Path keys = newDirectory().resolve("keys");
    ForkedJvm.Result result = tool("keygen", keys.toString());
    assertThat(result.exitCode).as(result.toString()).isZero();
    return keys;
  }

  private static Path writePolicy(Path directory, String text) {
    try {
      return Files.write(directory.resolve("pins.yaml"), text.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Signs {@code policy} with the private key in {@code keys} through the jar's {@code sign}. */
  private static void sign(Path policy, Path keys) {
    ForkedJvm.Result result = tool("sign", policy.toString(), "--key", keys.resolve("policy-signing.key").toString());
    assertThat(result.exitCode).as(result.toString()).isZero();
  }

  private static ForkedJvm.Result start(Path javaHome, Path policy, Path publicKeys) {
    return lab.client(javaHome)
        .agent("policy=" + policy + ",policy.public-key=" + publicKeys)
        .main(HttpsProbe.class, "jdk-default", lab.good.url("localhost"))
        .run();
  }

  @Test
  void theJarsToolsMakeAnOwnerOnlyKeySignAndVerifyAndRefuseALooseKey() throws IOException {
    Path keys = keygen();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keys.resolve("policy-signing.key"))))
        .isEqualTo("rw-------");
    Path policy = writePolicy(keys.getParent(), policy(1, lab.goodIntermediate.pin()));
    sign(policy, keys);
    ForkedJvm.Result verify = tool("verify", policy.toString(), "--public-key",
        keys.resolve("policy-signing.pub").toString());
    assertThat(verify.exitCode).as(verify.toString()).isZero();
    assertThat(verify.stdout).startsWith("OK: " + policy + " is signed by key ");

    Files.setPosixFilePermissions(keys.resolve("policy-signing.key"), PosixFilePermissions.fromString("rw-r--r--"));
    ForkedJvm.Result loose = tool("sign", policy.toString(), "--key", keys.resolve("policy-signing.key").toString());
    assertThat(loose.exitCode).isEqualTo(2);
    assertThat(loose.stderr).contains("the private signing key is accessible to its group or others (mode "
        + "rw-r--r--)").contains("chmod 600");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("modernJvms")
  void startsPinnedWithASignedPolicy(Path javaHome) {
    Path keys = keygen();
    Path policy = writePolicy(keys.getParent(), policy(1, lab.goodIntermediate.pin()));
    sign(policy, keys);

    Path classLog = keys.getParent().resolve("classes.log");
    ForkedJvm.Result result = lab.client(javaHome)
        .agent("policy=" + policy + ",policy.public-key=" + keys.resolve("policy-signing.pub"))
        .jvmOption("-Xlog:class+load=info:file=" + classLog)
        .main(HttpsProbe.class, "jdk-default", lab.good.url("localhost"))
        .run();

    assertThat(result.exitCode).as(result.toString()).isZero();
    assertThat(result.resultFor(lab.good.url("localhost"))).startsWith("OK");
    assertThat(result.stderr).contains("[pin-agent] pinning 1 pin-set(s) from " + policy);
    // Checking the signature must not initialise java.util.logging before the application runs: the application
    // may yet choose its log manager (-Djava.util.logging.manager, JBoss LogManager's set-up), and only the first
    // use decides it. BouncyCastle's own services registrar would (the agent ships a replacement). Nor the JCA,
    // whose first use costs 25-30 ms that premain would add to every start: the fingerprints use BouncyCastle's.
    String classes = read(classLog);
    int applicationStarts = classes.indexOf(" " + HttpsProbe.class.getName() + " ");
    assertThat(applicationStarts).as("the application's main class in the class log").isPositive();
    assertThat(classes.substring(0, applicationStarts)).as("classes loaded before the application's main")
        .contains("dev.pinagent.shaded.bouncycastle.math.ec.rfc8032.Ed25519 ")
        .doesNotContain("java.util.logging.LogManager ")
        .doesNotContain("sun.security.jca.Providers ");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("modernJvms")
  void stopsTheJvmOnATamperedUnsignedOrForeignSignedPolicySayingWhich(Path javaHome) throws IOException {
    Path keys = keygen();
    Path publicKeys = keys.resolve("policy-signing.pub");
    Path policy = writePolicy(keys.getParent(), policy(1, lab.goodIntermediate.pin()));
    sign(policy, keys);

    byte[] bytes = Files.readAllBytes(policy);
    bytes[bytes.length - 2] ^= 1;
    Files.write(policy, bytes);
    ForkedJvm.Result tampered = start(javaHome, policy, publicKeys);
    assertThat(tampered.exitCode).as(tampered.toString()).isEqualTo(INVALID_CONFIGURATION);
    assertThat(tampered.stdout).as("the application never ran").doesNotContain("RESULT");
    assertThat(tampered.stderr).contains("[pin-agent] FATAL: pin policy signature refused: " + policy
        + ".sig: the signature by key ").contains("does not match the policy's bytes");

    Files.delete(policy.resolveSibling("pins.yaml.sig"));
    ForkedJvm.Result unsigned = start(javaHome, policy, publicKeys);
    assertThat(unsigned.exitCode).isEqualTo(INVALID_CONFIGURATION);
    assertThat(unsigned.stderr).contains("[pin-agent] FATAL: pin policy signature refused: " + policy
        + ": is not signed: there is no " + policy + ".sig");

    Path otherKeys = keygen();
    writePolicy(keys.getParent(), policy(1, lab.goodIntermediate.pin()));
    sign(policy, otherKeys);
    ForkedJvm.Result foreign = start(javaHome, policy, publicKeys);
    assertThat(foreign.exitCode).isEqualTo(INVALID_CONFIGURATION);
    assertThat(foreign.stderr).contains("[pin-agent] FATAL: pin policy signature refused: " + policy
        + ".sig: signed with key ").contains("which is not in policy.public-key");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("modernJvms")
  void onReloadRefusesARollbackAndATamperedVersionKeepsTheLastGoodAndAcceptsARotatedKey(Path javaHome)
      throws IOException {
    Path oldKeys = keygen();
    Path newKeys = keygen();
    Path directory = newDirectory();
    // Both keys listed: the fleet is in the middle of a key rotation.
    Path publicKeys = Files.writeString(directory.resolve("keys.pub"),
        Files.readString(oldKeys.resolve("policy-signing.pub")) + Files.readString(newKeys.resolve("policy-signing.pub")));
    Path policy = writePolicy(directory, policy(5, lab.goodIntermediate.pin()));
    sign(policy, oldKeys);
    int metricsPort = Metrics.freePort();
    ForkedJvm.Running jvm = lab.client(javaHome)
        .agent("policy=" + policy + ",policy.public-key=" + publicKeys + ",metrics.port=" + metricsPort
            + ",policy.reload.interval=" + INTERVAL.toMillis() + "ms")
        .main(HttpsProbe.class, "jdk-default", "--commands")
        .start();
    List<String> urls = new ArrayList<>();
    String goodUrl = lab.good.url("localhost");
    // The agent has started (with serial 5 in force) before anything else is written.
    assertThat(fetch(jvm, urls, goodUrl)).startsWith("OK");

    // An older signed version, replayed: it pins a key the good server does not have.
    writePolicy(directory, policy(4, TestPki.randomPin()));
    sign(policy, oldKeys);
    Metrics rolledBack = awaitFailures(jvm, metricsPort, "rollback");
    assertThat(rolledBack.value("tls_pin_policy_loads_total", "result=\"success\"")).isEqualTo(1);
    assertThat(fetch(jvm, urls, goodUrl)).as("the last good policy stays").startsWith("OK");

    // A newer version whose bytes were changed after signing.
    writePolicy(directory, policy(6, TestPki.randomPin()));
    sign(policy, oldKeys);
    Files.writeString(policy, Files.readString(policy).replace("serial: 6", "serial: 7"));
    awaitFailures(jvm, metricsPort, "signature");
    assertThat(fetch(jvm, urls, goodUrl)).as("the last good policy stays").startsWith("OK");

    // Signed by the new key: accepted, and it pins a key the server does not have, so the fetch now fails.
    writePolicy(directory, policy(8, TestPki.randomPin()));
    sign(policy, newKeys);
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (Metrics.scrape(metricsPort).value("tls_pin_policy_loads_total", "result=\"success\"") < 2) {
      assertThat(System.nanoTime()).as("the version signed by the new key is loaded").isLessThan(deadline);
      sleep(INTERVAL.toMillis() / 3);
    }
    assertThat(fetch(jvm, urls, goodUrl)).startsWith("FAIL").contains("Certificate pinning failure");

    jvm.closeInput();
    ForkedJvm.Result result = jvm.await();
    assertThat(result.exitCode).as(result.toString()).isZero();
    assertThat(result.stderr)
        .contains("policy reload refused: the policy source is an older version (rollback); the policy in force")
        .contains("serial 4 is lower than the serial 5 of the policy in force")
        .contains("policy reload refused: the policy source is not validly signed; the policy in force");
  }

  /** Waits until a failure with {@code reason} is counted; on a timeout, stops the JVM and shows what it said. */
  private static Metrics awaitFailures(ForkedJvm.Running jvm, int metricsPort, String reason) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      Metrics metrics = Metrics.scrapeWithin(metricsPort, Duration.ofSeconds(60));
      if (metrics.value("tls_pin_policy_loads_total", "result=\"failure\"", "reason=\"" + reason + "\"") >= 1) {
        assertThat(metrics.value("tls_pin_policy_reload_failing")).isEqualTo(1);
        return metrics;
      }
      if (System.nanoTime() > deadline) {
        jvm.closeInput();
        throw new AssertionError("no failure with reason " + reason + " counted; scrape:\n" + metrics + "\n"
            + jvm.await());
      }
      sleep(INTERVAL.toMillis() / 3);
    }
  }

  private static String fetch(ForkedJvm.Running jvm, List<String> urls, String url) {
    jvm.send(url);
    urls.add(url);
    jvm.awaitOutput("DONE " + urls.size());
    List<String> results = new ArrayList<>();
    for (String line : jvm.output().split("\n")) {
      if (line.startsWith("RESULT ")) {
        results.add(line.substring(line.indexOf(' ', "RESULT ".length()) + 1));
      }
    }
    return results.get(urls.size() - 1);
  }
}
