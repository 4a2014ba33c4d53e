package dev.pinagent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.it.clients.EarlyContextAgent;
import dev.pinagent.it.clients.HttpsProbe;
import dev.pinagent.it.clients.ReinitProbe;
import dev.pinagent.it.support.ForkedJvm;
import dev.pinagent.it.support.LabTest;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Contexts the agent did not see being built, or sees being rebuilt: a context made by an agent that ran
 * before PinAgent, and a context re-initialized while other threads handshake on it. Neither may ever hand a
 * handshake the application's unwrapped trust manager.
 */
class ContextLifecycleIT extends LabTest {
  private static final Pattern COUNTS = Pattern.compile("ACCEPTED (\\d+) REFUSED (\\d+) OTHER (\\d+)");

  private static Path earlyAgentJar;

  /** A jar that is only a manifest naming a premain class on the test class path, as an agent jar may be. */
  @BeforeAll
  static void writeEarlyAgentJar() {
    earlyAgentJar = lab.directory.resolve("early-agent.jar");
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().putValue("Premain-Class", EarlyContextAgent.class.getName());
    try (OutputStream out = Files.newOutputStream(earlyAgentJar); JarOutputStream jar = new JarOutputStream(out,
        manifest)) {
      jar.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("jvms")
  void pinsAContextBuiltByAnAgentThatRanBeforeIt(Path javaHome) {
    String good = lab.good.url("localhost");
    String evil = lab.evil.url("localhost");
    ForkedJvm.Result result = lab.client(javaHome)
        .jvmOption("-javaagent:" + earlyAgentJar)
        .agent("policy=" + lab.localhostPinnedToGoodIssuer("enforce"))
        .main(HttpsProbe.class, "urlconnection-default", good, evil)
        .run();

    assertThat(result.stderr).as(result.toString()).contains("[early-agent]");
    assertThat(result.resultFor(good)).as(result.toString()).startsWith("OK 200 hello from good");
    assertThat(result.resultFor(evil)).as(result.toString()).startsWith("FAIL")
        .contains("Certificate pinning failure for host localhost");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("jvms")
  void withoutPinAgentTheEarlyContextAcceptsTheManInTheMiddleSoTheAttackIsReal(Path javaHome) {
    String evil = lab.evil.url("localhost");
    ForkedJvm.Result result = lab.client(javaHome)
        .jvmOption("-javaagent:" + earlyAgentJar)
        .main(HttpsProbe.class, "urlconnection-default", evil)
        .run();

    assertThat(result.resultFor(evil)).as(result.toString()).startsWith("OK 200 hello from evil");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("jvms")
  void neverShowsAHandshakeTheUnwrappedManagerOfAContextBeingReinitialized(Path javaHome) {
    ForkedJvm.Result result = lab.client(javaHome)
        .agent("policy=" + lab.localhostPinnedToGoodIssuer("enforce"))
        .main(ReinitProbe.class, String.valueOf(lab.evil.port()), "6")
        .run();

    Matcher counts = COUNTS.matcher(result.stdout);
    assertThat(counts.find()).as(result.toString()).isTrue();
    assertThat(Integer.parseInt(counts.group(1))).as("MITM handshakes accepted\n" + result).isZero();
    assertThat(Integer.parseInt(counts.group(2))).as("MITM handshakes refused\n" + result).isPositive();
  }
}
