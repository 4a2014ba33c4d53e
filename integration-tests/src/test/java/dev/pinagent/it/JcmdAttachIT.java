package dev.pinagent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.it.clients.HttpsProbe;
import dev.pinagent.it.support.ForkedJvm;
import dev.pinagent.it.support.JavaRuntimes;
import dev.pinagent.it.support.LabTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The {@code jcmd} command that docs/configuration.md gives for loading the agent into a running JVM, run as
 * written (through a shell, with the JDK's own {@code jcmd}) against a service that keeps running: its next
 * connection to the man in the middle is refused.
 */
class JcmdAttachIT extends LabTest {
  private static final String DOCUMENTED_PREFIX = "jcmd <pid> JVMTI.agent_load ";

  @ParameterizedTest(name = "{0}")
  @MethodSource("jvms")
  void theDocumentedJcmdCommandPinsARunningService(Path javaHome) throws Exception {
    String evil = lab.evil.url("localhost");
    ForkedJvm service = lab.client(javaHome);
    if (JavaRuntimes.featureVersion(javaHome) >= 21) {
      service.jvmOption("-XX:+EnableDynamicAgentLoading");
    }
    ForkedJvm.Running running = service.main(HttpsProbe.class, "jdk-default", "--hold", "--again", evil).start();
    running.awaitOutput("HOLD");

    String command = documentedCommand()
        .replace("jcmd", javaHome.resolve("bin").resolve("jcmd").toString())
        .replace("<pid>", String.valueOf(running.pid()))
        .replace("/opt/pin-agent.jar", ForkedJvm.agentJar().toString())
        .replace("/etc/pins.yaml", lab.localhostPinnedToGoodIssuer("enforce").toString());
    Process jcmd = new ProcessBuilder("/bin/sh", "-c", command).redirectErrorStream(true).start();
    String jcmdOutput = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(jcmd.waitFor(60, TimeUnit.SECONDS)).as(command).isTrue();
    running.closeInput();
    ForkedJvm.Result result = running.await();

    assertThat(jcmd.exitValue()).as(command + "\n" + jcmdOutput).isZero();
    assertThat(jcmdOutput).as(command).contains("return code: 0");
    assertThat(result.stdout).as(result.toString()).containsSubsequence(
        "RESULT " + evil + " OK 200 hello from evil", "HOLD",
        "RESULT " + evil + " FAIL", "Certificate pinning failure for host localhost");
    assertThat(result.stderr).contains("[pin-agent] pinning 1 pin-set(s)").doesNotContain("is not key=value");
  }

  /** The command in docs/configuration.md, from its code block. */
  private static String documentedCommand() throws IOException {
    Path configuration = Paths.get(System.getProperty("docs.dir", "../docs")).resolve("configuration.md");
    return Files.readAllLines(configuration, StandardCharsets.UTF_8).stream()
        .filter(line -> line.startsWith(DOCUMENTED_PREFIX))
        .findFirst()
        .orElseThrow(() -> new AssertionError(configuration + " has no line starting with " + DOCUMENTED_PREFIX));
  }
}
