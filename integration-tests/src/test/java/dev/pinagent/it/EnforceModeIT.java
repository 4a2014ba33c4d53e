package dev.pinagent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.it.clients.HttpsProbe;
import dev.pinagent.it.support.ForkedJvm;
import dev.pinagent.it.support.JavaRuntimes;
import dev.pinagent.it.support.LabTest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The core promise, client by client and JVM by JVM: without the agent the man in the middle is accepted
 * (so the attack is real); with the agent in enforce mode it is refused with a message naming the host,
 * the pin-set and the pins, while the legitimate server is still accepted.
 */
class EnforceModeIT extends LabTest {
  private static final List<String> CLIENTS = List.of("jdk-default", "jdk-custom", "jdk-plain-tm",
      "urlconnection-default", "urlconnection-custom", "trust-all", "trust-all-extended");

  static Stream<Arguments> jvmsAndClients() {
    List<Arguments> cases = new ArrayList<>();
    for (Path home : JavaRuntimes.all()) {
      for (String client : CLIENTS) {
        cases.add(Arguments.of(home, client));
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{1} on {0}")
  @MethodSource("jvmsAndClients")
  void acceptsEvilServerWithoutAgentSoTheAttackIsReal(Path javaHome, String client) {
    ForkedJvm.Result result = lab.client(javaHome)
        .main(HttpsProbe.class, client, lab.evil.url("localhost"))
        .run();

    assertThat(result.resultFor(lab.evil.url("localhost"))).as(result.toString()).startsWith("OK 200 hello from evil");
  }

  @ParameterizedTest(name = "{1} on {0}")
  @MethodSource("jvmsAndClients")
  void refusesEvilServerAndAcceptsGoodOneWithAgentInEnforceMode(Path javaHome, String client) {
    Path policy = lab.localhostPinnedToGoodIssuer("enforce");

    ForkedJvm.Result result = lab.client(javaHome)
        .agent("policy=" + policy)
        .main(HttpsProbe.class, client, lab.good.url("localhost"), lab.evil.url("localhost"))
        .run();

    assertThat(result.resultFor(lab.good.url("localhost"))).as(result.toString()).startsWith("OK 200 hello from good");
    assertThat(result.resultFor(lab.evil.url("localhost"))).as(result.toString())
        .startsWith("FAIL")
        .contains("Certificate pinning failure for host localhost (pin-set 'partner')")
        .contains(lab.evilLeaf.pin() + ": CN=localhost")
        .contains(lab.evilRoot.pin() + ": CN=Evil Root CA")
        .contains(lab.goodIntermediate.pin());
    assertThat(result.stderr).as(result.toString())
        .contains("[pin-agent] pin violation: host=localhost port=" + lab.evil.port()
            + " pin_set=partner action=blocked presented=" + lab.evilLeaf.pin() + "," + lab.evilRoot.pin());
    assertThat(result.exitCode).isZero();
  }
}
