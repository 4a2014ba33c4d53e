package dev.pinagent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.it.clients.HttpsProbe;
import dev.pinagent.it.support.ForkedJvm;
import dev.pinagent.it.support.JavaRuntimes;
import dev.pinagent.it.support.LabTest;
import dev.pinagent.it.support.Metrics;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The promise of an agent, client by client and JVM by JVM: whatever TLS client a service uses, it is pinned
 * without a code change. For each: without the agent the man in the middle is accepted (so the attack is
 * real); in enforce mode it is refused with a message naming the host, the pin-set and the pins, while the
 * legitimate server is still accepted; in report mode it is let through and counted.
 */
class ClientsIT extends LabTest {
  /** Every client of the README's compatibility table, by the probe's name for it. */
  static final List<String> CLIENTS = List.of(
      "jdk-default", "jdk-custom", "jdk-plain-tm",
      "urlconnection-default", "urlconnection-custom",
      "okhttp-default", "okhttp-custom",
      "apache-classic", "apache-async", "apache-trust-strategy",
      "netty-jdk", "netty-openssl",
      "jetty",
      "grpc",
      "trust-all", "trust-all-extended",
      "bcjsse-default", "bcjsse-custom", "bcjsse-trust-all-extended");

  static Stream<Arguments> jvmsAndClients() {
    List<Arguments> cases = new ArrayList<>();
    for (Path home : JavaRuntimes.all()) {
      for (String client : CLIENTS) {
        cases.add(Arguments.of(client, home));
      }
    }
    return cases.stream();
  }

  private static String goodUrl(String client) {
    return client.equals("grpc") ? lab.grpcGood().url("localhost") : lab.good.url("localhost");
  }

  private static String evilUrl(String client) {
    return client.equals("grpc") ? lab.grpcEvil().url("localhost") : lab.evil.url("localhost");
  }

  /** Clients whose library needs a newer Java than the agent does; they are skipped, with the reason, below it. */
  private static final Map<String, Integer> MINIMUM_JAVA = Map.of("jetty", 17);

  private static ForkedJvm clientJvm(String client, Path javaHome) {
    JavaRuntimes.assumeAtLeast(javaHome, MINIMUM_JAVA.getOrDefault(client, 11), "the client " + client);
    ForkedJvm jvm = lab.client(javaHome);
    return client.startsWith("bcjsse") ? jvm.classpathWith(ForkedJvm.bcJsseJars()) : jvm;
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("jvmsAndClients")
  void acceptsTheManInTheMiddleWithoutTheAgentSoTheAttackIsReal(String client, Path javaHome) {
    ForkedJvm.Result result = clientJvm(client, javaHome).main(HttpsProbe.class, client, evilUrl(client)).run();

    assertThat(result.resultFor(evilUrl(client))).as(result.toString()).startsWith("OK 200 hello from evil");
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("jvmsAndClients")
  void refusesTheManInTheMiddleAndAcceptsTheRealServerInEnforceMode(String client, Path javaHome) {
    ForkedJvm.Result result = clientJvm(client, javaHome)
        .agent("policy=" + lab.localhostPinnedToGoodIssuer("enforce"))
        .main(HttpsProbe.class, client, goodUrl(client), evilUrl(client))
        .run();

    assertThat(result.resultFor(goodUrl(client))).as(result.toString()).startsWith("OK 200 hello from good");
    assertThat(result.resultFor(evilUrl(client))).as(result.toString())
        .startsWith("FAIL")
        .contains("Certificate pinning failure for host localhost (pin-set 'partner')")
        .contains(lab.evilLeaf.pin() + ": CN=localhost")
        .contains(lab.goodIntermediate.pin());
    assertThat(result.stderr).as(result.toString())
        .contains("[pin-agent] pin violation: host=localhost port=")
        .contains("pin_set=partner action=blocked presented=" + lab.evilLeaf.pin() + "," + lab.evilRoot.pin());
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("jvmsAndClients")
  void letsTheManInTheMiddleThroughButCountsItInReportMode(String client, Path javaHome) {
    int port = Metrics.freePort();
    ForkedJvm.Running child = clientJvm(client, javaHome)
        .agent("policy=" + lab.localhostPinnedToGoodIssuer("report") + ",metrics.port=" + port)
        .main(HttpsProbe.class, client, "--hold", goodUrl(client), evilUrl(client))
        .start();
    Metrics metrics = child.scrapeOnHold(port);
    ForkedJvm.Result result = child.await();

    assertThat(result.resultFor(evilUrl(client))).as(result.toString()).startsWith("OK 200 hello from evil");
    assertThat(metrics.value("tls_pin_checks_total", "pin_set=\"partner\"", "result=\"match\"")).isEqualTo(1);
    assertThat(metrics.value("tls_pin_checks_total", "pin_set=\"partner\"", "result=\"mismatch\"")).isEqualTo(1);
    assertThat(metrics.value("tls_pin_violations_total", "host=\"localhost\"", "action=\"reported\"")).isEqualTo(1);
  }
}
