package dev.pinagent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.it.clients.LoadProbe;
import dev.pinagent.it.support.ForkedJvm;
import dev.pinagent.it.support.LabTest;
import dev.pinagent.it.support.Metrics;
import dev.pinagent.it.support.TlsServer;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Thousands of full handshakes from dozens of threads against several servers, agent attached: no false
 * rejection, the check counter equals the number of handshakes exactly, and everything the agent started is
 * a daemon thread (the JVM exits when the application is done).
 */
class ConcurrencyIT extends LabTest {
  private static final int THREADS = 24;
  private static final int HANDSHAKES_PER_THREAD = 100;

  private static TlsServer second;
  private static TlsServer third;

  @BeforeAll
  static void startMoreServers() {
    second = TlsServer.start("good-2", "127.0.0.1", lab.goodLeaf.keyPair.getPrivate(), lab.goodLeaf.certificate,
        lab.goodIntermediate.certificate);
    third = TlsServer.start("good-3", "127.0.0.1", lab.goodLeaf.keyPair.getPrivate(), lab.goodLeaf.certificate,
        lab.goodIntermediate.certificate);
  }

  @AfterAll
  static void stopMoreServers() {
    second.close();
    third.close();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("jvms")
  void countsEveryHandshakeExactlyAndRefusesNone(Path javaHome) {
    int port = Metrics.freePort();
    ForkedJvm.Running child = lab.client(javaHome)
        .agent("policy=" + lab.localhostPinnedToGoodIssuer("enforce") + ",metrics.port=" + port)
        .main(LoadProbe.class, String.valueOf(THREADS), String.valueOf(HANDSHAKES_PER_THREAD),
            String.valueOf(lab.good.port()), String.valueOf(second.port()), String.valueOf(third.port()))
        .start();
    Metrics metrics = child.scrapeOnHold(port);
    ForkedJvm.Result result = child.await();

    int handshakes = THREADS * HANDSHAKES_PER_THREAD;
    assertThat(result.stdout).as(result.toString()).contains("HANDSHAKES ok=" + handshakes + " failed=0");
    assertThat(metrics.value("tls_pin_checks_total", "pin_set=\"partner\"", "result=\"match\""))
        .as("one check per handshake, none lost or doubled").isEqualTo(handshakes);
    assertThat(metrics.value("tls_pin_checks_total", "result=\"mismatch\"")).isZero();
    assertThat(metrics.value("tls_pin_checks_total", "result=\"error\"")).isZero();
    assertThat(result.exitCode).isZero();
    for (String line : result.stdout.split("\n")) {
      if (line.startsWith("THREAD pin-agent")) {
        assertThat(line).as("threads the agent started must not keep the JVM alive").endsWith("daemon=true");
      }
    }
    assertThat(result.stdout).contains("THREAD pin-agent-metrics");
  }
}
