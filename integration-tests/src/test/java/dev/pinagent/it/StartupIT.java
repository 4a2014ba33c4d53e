package dev.pinagent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.it.clients.HttpsProbe;
import dev.pinagent.it.support.ForkedJvm;
import dev.pinagent.it.support.LabTest;
import dev.pinagent.it.support.JavaRuntimes;
import dev.pinagent.it.support.Metrics;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** How the agent is attached and configured, and that a bad configuration stops the JVM with one clear line. */
class StartupIT extends LabTest {
  /** {@code PinAgent.EXIT_INVALID_CONFIGURATION}. */
  private static final int INVALID_CONFIGURATION = 78;

  @ParameterizedTest(name = "{0}")
  @MethodSource("jvms")
  void stopsTheJvmWhenThePolicyHasATypo(Path javaHome) {
    Path policy = lab.policy("version: 1\npin-sets:\n  - name: partner\n    hosts: [localhost]\n"
        + "    pin: [" + lab.goodIntermediate.pin() + "]\n");

    ForkedJvm.Result result = lab.client(javaHome)
        .agent("policy=" + policy)
        .main(HttpsProbe.class, "jdk-default", lab.evil.url("localhost"))
        .run();

    assertThat(result.exitCode).as(result.toString()).isEqualTo(INVALID_CONFIGURATION);
    assertThat(result.stdout).as("the application never ran").doesNotContain("RESULT");
    assertThat(result.stderr).contains("[pin-agent] FATAL: invalid pin policy: " + policy
        + ":5: /pin-sets/0/pin: unknown key 'pin' (did you mean 'pins'?)");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("jvms")
  void stopsTheJvmWhenThePolicyFileIsMissing(Path javaHome) {
    ForkedJvm.Result result = lab.client(javaHome)
        .agent("policy=/nonexistent/pins.yaml")
        .main(HttpsProbe.class, "jdk-default", lab.evil.url("localhost"))
        .run();

    assertThat(result.exitCode).as(result.toString()).isEqualTo(INVALID_CONFIGURATION);
    assertThat(result.stderr).contains("/nonexistent/pins.yaml: no such file");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("jvms")
  void stopsTheJvmOnAnUnknownOption(Path javaHome) {
    ForkedJvm.Result result = lab.client(javaHome)
        .agent("polcy=" + lab.localhostPinnedToGoodIssuer("enforce"))
        .main(HttpsProbe.class, "jdk-default", lab.evil.url("localhost"))
        .run();

    assertThat(result.exitCode).as(result.toString()).isEqualTo(INVALID_CONFIGURATION);
    assertThat(result.stderr).contains("unknown option 'polcy'");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("jvms")
  void takesThePolicyFromTheEnvironmentOrASystemProperty(Path javaHome) {
    Path policy = lab.localhostPinnedToGoodIssuer("enforce");

    ForkedJvm.Result fromEnvironment = lab.client(javaHome)
        .agent(null)
        .env("PINAGENT_POLICY", policy.toString())
        .main(HttpsProbe.class, "jdk-default", lab.evil.url("localhost"))
        .run();
    ForkedJvm.Result fromProperty = lab.client(javaHome)
        .agent(null)
        .jvmOption("-Dpinagent.policy=" + policy)
        .main(HttpsProbe.class, "jdk-default", lab.evil.url("localhost"))
        .run();

    assertThat(fromEnvironment.resultFor(lab.evil.url("localhost"))).as(fromEnvironment.toString())
        .startsWith("FAIL").contains("Certificate pinning failure");
    assertThat(fromProperty.resultFor(lab.evil.url("localhost"))).as(fromProperty.toString())
        .startsWith("FAIL").contains("Certificate pinning failure");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("jvms")
  void leavesTheApplicationsLoggingAloneAndSaysWhereItServesMetrics(Path javaHome) {
    int port = Metrics.freePort();
    ForkedJvm.Result result = lab.client(javaHome)
        .agent("policy=" + lab.localhostPinnedToGoodIssuer("enforce") + ",metrics.port=" + port)
        .main(HttpsProbe.class, "jdk-default", lab.good.url("localhost"))
        .run();

    assertThat(result.resultFor(lab.good.url("localhost"))).startsWith("OK");
    assertThat(result.stderr).as("the application's SLF4J (on its class path) is never initialized by the agent")
        .doesNotContain("SLF4J");
    assertThat(result.stderr).contains("[pin-agent] serving metrics at http://127.0.0.1:" + port + "/metrics");
  }

  static Stream<Arguments> agentJarsAndJvms() {
    List<Arguments> cases = new ArrayList<>();
    for (Path home : JavaRuntimes.all()) {
      for (String jar : new String[] {"the same jar", "a copy of the jar"}) {
        cases.add(Arguments.of(jar, home));
      }
    }
    return cases.stream();
  }

  /**
   * A fleet sets the agent in JAVA_TOOL_OPTIONS, a service adds its own -javaagent: both loads run the classes
   * of the first jar on the class path (a copy elsewhere included), and the second must not silently replace
   * the first policy, whose hosts would then accept the man in the middle.
   */
  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("agentJarsAndJvms")
  void refusesTheAgentGivenTwiceSoNoPolicyIsSilentlyReplaced(String jar, Path javaHome) throws IOException {
    Path fleetJar = ForkedJvm.agentJar();
    if (jar.equals("a copy of the jar")) {
      fleetJar = Files.createDirectories(lab.directory.resolve("fleet")).resolve("pin-agent.jar");
      Files.copy(ForkedJvm.agentJar(), fleetJar, StandardCopyOption.REPLACE_EXISTING);
    }
    Path fleetPolicy = lab.localhostPinnedToGoodIssuer("enforce");
    Path servicePolicy = lab.policy("version: 1\npin-sets:\n  - name: service\n    hosts: [api.example.com]\n"
        + "    pins: [" + lab.goodIntermediate.pin() + ", " + lab.goodRoot.pin() + "]\n");

    ForkedJvm.Result result = lab.client(javaHome)
        .env("JAVA_TOOL_OPTIONS", "-javaagent:" + fleetJar + "=policy=" + fleetPolicy)
        .agent("policy=" + servicePolicy)
        .main(HttpsProbe.class, "jdk-default", lab.evil.url("localhost"))
        .run();

    assertThat(result.exitCode).as(result.toString()).isEqualTo(INVALID_CONFIGURATION);
    assertThat(result.stdout).as("the application never ran").doesNotContain("RESULT");
    assertThat(result.stderr.strip()).as("one line, the last").endsWith("\n[pin-agent] FATAL: PinAgent is already "
        + "attached with policy " + fleetPolicy + "; a second -javaagent with policy " + servicePolicy
        + " is refused: attach it once (JAVA_TOOL_OPTIONS or the command line, not both)");
  }

  /**
   * A shell that exports JAVA_TOOL_OPTIONS with the agent hands it to every JVM it starts, the jar's own tools
   * included: they must run as without it, neither pinning themselves nor binding the service's metrics port.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("jvms")
  void theJarsOwnToolsIgnoreTheAgentThatJavaToolOptionsGivesThem(Path javaHome) throws IOException {
    Path policy = lab.localhostPinnedToGoodIssuer("enforce");
    try (ServerSocket service = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = service.getLocalPort();
      ForkedJvm.Result result = ForkedJvm.on(javaHome)
          .env("JAVA_TOOL_OPTIONS", "-javaagent:" + ForkedJvm.agentJar() + "=policy=" + policy
              + ",metrics.port=" + port)
          .jar(ForkedJvm.agentJar(), "check", policy.toString())
          .run();

      assertThat(result.exitCode).as(result.toString()).isZero();
      assertThat(result.stderr).as("the JVM picked the agent up").contains("Picked up JAVA_TOOL_OPTIONS");
      assertThat(result.stdout + result.stderr).as("the check ran: " + result)
          .contains(policy.getFileName().toString());
      assertThat(result.stderr).as("no line of the agent: no pinning, no endpoint, no port in use")
          .doesNotContain("[pin-agent]");
    }
  }

  /** Two JVMs with the agent and one metrics.port: the second says what the port in use most likely means. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("jvms")
  void saysAMetricsPortInUseIsMostLikelyAnotherJvmWithTheAgent(Path javaHome) throws IOException {
    try (ServerSocket otherJvm = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      int port = otherJvm.getLocalPort();
      ForkedJvm.Running child = lab.client(javaHome)
          .agent("policy=" + lab.localhostPinnedToGoodIssuer("enforce") + ",metrics.port=" + port)
          .main(HttpsProbe.class, "jdk-default", "--hold", lab.good.url("localhost"))
          .start();
      child.awaitOutput("HOLD");
      // The port is bound on a daemon thread right at start; a handshake later, it has long failed. A margin:
      sleep();
      child.closeInput();
      ForkedJvm.Result result = child.await();

      assertThat(result.resultFor(lab.good.url("localhost"))).as("pinning is unaffected").startsWith("OK");
      assertThat(result.stderr).as(result.toString()).contains("[pin-agent] ERROR: metrics_endpoint failed; the "
          + "metrics endpoint is not serving; pinning is unaffected: ")
          .contains("port " + port + " is in use (another JVM with the agent?)");
    }
  }

  private static void sleep() {
    try {
      Thread.sleep(500);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  static Stream<Arguments> hooksAndJvms() {
    List<Arguments> cases = new ArrayList<>();
    for (Path home : JavaRuntimes.all()) {
      for (String hook : new String[] {"sun.security.ssl.SSLContextImpl", "javax.net.ssl.TrustManagerFactory"}) {
        cases.add(Arguments.of(hook, home));
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("hooksAndJvms")
  void keepsTheServiceRunningWhenAHookFailsAndSaysSoOnceAndInAMetric(String hook, Path javaHome) {
    int port = Metrics.freePort();
    ForkedJvm.Running child = lab.client(javaHome)
        .jvmOption("-Ddev.pinagent.test.failHook=" + hook)
        .agent("policy=" + lab.localhostPinnedToGoodIssuer("enforce") + ",metrics.port=" + port)
        .main(HttpsProbe.class, "jdk-default", "--hold", lab.good.url("localhost"), lab.evil.url("localhost"),
            lab.good.url("127.0.0.1"))
        .start();
    Metrics metrics = child.scrapeOnHold(port);
    ForkedJvm.Result result = child.await();

    assertThat(result.exitCode).isZero();
    assertThat(result.resultFor(lab.good.url("localhost"))).as(result.toString()).startsWith("OK");
    assertThat(result.resultFor(lab.evil.url("localhost"))).as("the other hook still pins the default context")
        .startsWith("FAIL").contains("Certificate pinning failure");
    assertThat(result.stderr.split("\n")).filteredOn(line -> line.contains("ERROR: instrument:" + hook))
        .as(result.toString()).hasSize(1);
    assertThat(metrics.value("tls_pin_agent_errors_total", "stage=\"instrument:" + hook + "\"")).isEqualTo(1);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("jvms")
  void summarizesTensOfThousandsOfOverlapWarningsInElevenLines(Path javaHome) {
    StringBuilder yaml = new StringBuilder("version: 1\npin-sets:\n  - name: one\n    hosts:\n      - localhost\n");
    for (int i = 0; i < 25_000; i++) {
      yaml.append("      - h").append(i).append(".ex.com\n");
    }
    yaml.append("    pins: [").append(lab.goodIntermediate.pin()).append(", ").append(lab.goodRoot.pin())
        .append("]\n  - name: two\n    hosts:\n");
    for (int i = 0; i < 24_999; i++) {
      yaml.append("      - g").append(i).append(".other.com\n");
    }
    yaml.append("      - \"**.ex.com\"\n    pins: [").append(lab.goodIntermediate.pin()).append(", ")
        .append(lab.goodRoot.pin()).append("]\n");
    Path policy = lab.policy(yaml.toString());

    ForkedJvm.Result result = lab.client(javaHome)
        .agent("policy=" + policy)
        .main(HttpsProbe.class, "jdk-default", lab.good.url("localhost"))
        .run();

    assertThat(result.resultFor(lab.good.url("localhost"))).as(result.toString()).startsWith("OK");
    assertThat(result.stderr.split("\n")).filteredOn(line -> line.startsWith("[pin-agent] WARNING: "))
        .hasSize(11)
        .endsWith("[pin-agent] WARNING: " + policy + ": ... and 24990 more overlaps (run java -jar pin-agent.jar "
            + "check " + policy + " --all to see them all)");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("jvms")
  void printsNoUnsafeOrOtherWarningsAtStartup(Path javaHome) {
    ForkedJvm.Result result = lab.client(javaHome)
        .agent("policy=" + lab.localhostPinnedToGoodIssuer("enforce"))
        .main(HttpsProbe.class, "jdk-default", lab.good.url("localhost"))
        .run();

    assertThat(result.resultFor(lab.good.url("localhost"))).startsWith("OK");
    assertThat(result.stderr.strip()).as(result.toString())
        .startsWith("[pin-agent] pinning 1 pin-set(s) from ")
        .doesNotContain("WARNING")
        .doesNotContain("ERROR");
  }
}
