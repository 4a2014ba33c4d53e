package dev.pinagent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.it.clients.ReuseProbe;
import dev.pinagent.it.support.ForkedJvm;
import dev.pinagent.it.support.Http2Server;
import dev.pinagent.it.support.JavaRuntimes;
import dev.pinagent.it.support.LabTest;
import dev.pinagent.testing.TestPki;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Libraries that carry requests for one host over a connection made, and checked, for another. The attacker
 * controls DNS (both names resolve to its server) and holds a certificate for both names from a CA the JVM
 * trusts; {@code a.example.test} is unpinned, {@code b.example.test} pinned to the partner's CA.
 *
 * <p>OkHttp coalesces HTTP/2 connections: once connected to {@code a}, a request to {@code b} rides the same
 * connection when the certificate covers {@code b} and the address is shared, with no handshake for {@code b}. The
 * JDK's {@code HttpClient}, Apache HttpClient 5 (async, HTTP/2) and Jetty 12 pool per host and are kept as
 * regression tests.
 */
class ConnectionReuseIT extends LabTest {
  private static final String UNPINNED = "a.example.test";
  private static final String PINNED = "b.example.test";

  private static Http2Server evil;
  private static Path hosts;

  @BeforeAll
  static void startServer() throws IOException {
    TestPki.Issued leaf = TestPki.leaf(UNPINNED).dns(UNPINNED, PINNED).issuedBy(lab.evilRoot).build();
    evil = Http2Server.start("evil", TestPki.keyStore(leaf.keyPair.getPrivate(), leaf.certificate), TestPki.PASSWORD);
    hosts = lab.directory.resolve("reuse-hosts");
    Files.write(hosts, ("127.0.0.1 " + UNPINNED + "\n127.0.0.1 " + PINNED + "\n").getBytes(StandardCharsets.UTF_8));
  }

  @AfterAll
  static void stopServer() {
    evil.close();
  }

  private static ForkedJvm.Result fetch(Path javaHome, boolean withAgent, String... hostsInOrder) {
    return fetchWith("okhttp", javaHome, withAgent, hostsInOrder);
  }

  private static ForkedJvm.Result fetchWith(String client, Path javaHome, boolean withAgent,
      String... hostsInOrder) {
    ForkedJvm jvm = lab.client(javaHome).jvmOption("-Djdk.net.hosts.file=" + hosts);
    if (withAgent) {
      jvm.agent("policy=" + lab.policy("version: 1\n"
          + "pin-sets:\n"
          + "  - name: b\n"
          + "    hosts: [" + PINNED + "]\n"
          + "    pins:\n"
          + "      - " + lab.goodIntermediate.pin() + "\n"
          + "      - " + lab.goodRoot.pin() + "\n"));
    }
    String[] args = new String[hostsInOrder.length + 1];
    args[0] = client;
    for (int i = 0; i < hostsInOrder.length; i++) {
      args[i + 1] = evil.url(hostsInOrder[i]);
    }
    return jvm.main(ReuseProbe.class, args).run();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("jvms")
  void withoutTheAgentOkHttpCarriesThePinnedHostOverTheOtherHostsConnectionSoTheAttackIsReal(Path javaHome) {
    ForkedJvm.Result result = fetch(javaHome, false, UNPINNED, PINNED);

    assertThat(result.resultFor(evil.url(UNPINNED))).as(result.toString()).isEqualTo("OK h2 hello from evil");
    assertThat(result.resultFor(evil.url(PINNED))).as(result.toString()).isEqualTo("OK h2 hello from evil");
    assertThat(result.stdout).as(result.toString()).contains("CONNECTIONS 1");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("jvms")
  void neverCarriesAPinnedHostOverAnOkHttpConnectionCheckedForAnotherHost(Path javaHome) {
    ForkedJvm.Result result = fetch(javaHome, true, UNPINNED, PINNED);

    assertThat(result.resultFor(evil.url(UNPINNED))).as(result.toString()).isEqualTo("OK h2 hello from evil");
    assertThat(result.resultFor(evil.url(PINNED))).as(result.toString()).startsWith("FAIL")
        .contains("Certificate pinning failure for host " + PINNED);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("jvms")
  void refusesThePinnedHostOnAFreshOkHttpClient(Path javaHome) {
    ForkedJvm.Result result = fetch(javaHome, true, PINNED);

    assertThat(result.resultFor(evil.url(PINNED))).as(result.toString()).startsWith("FAIL")
        .contains("Certificate pinning failure for host " + PINNED);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("jvms")
  void stillReusesAConnectionBetweenUnpinnedHosts(Path javaHome) {
    ForkedJvm.Result result = fetch(javaHome, true, UNPINNED, UNPINNED);

    assertThat(result.resultFor(evil.url(UNPINNED))).as(result.toString()).isEqualTo("OK h2 hello from evil");
    assertThat(result.stdout).as(result.toString()).contains("CONNECTIONS 1");
  }

  static Stream<Arguments> otherClientsAndJvms() {
    List<Arguments> cases = new ArrayList<>();
    for (Path home : JavaRuntimes.all()) {
      for (String client : new String[] {"jdk", "apache", "jetty"}) {
        cases.add(Arguments.of(client, home));
      }
    }
    return cases.stream();
  }

  /** Regression: these clients pool connections per host, so the pinned host gets its own, checked handshake. */
  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("otherClientsAndJvms")
  void otherClientsNeverCarryThePinnedHostOverAnotherHostsConnection(String client, Path javaHome) {
    if (client.equals("jetty")) {
      JavaRuntimes.assumeAtLeast(javaHome, 17, "Jetty 12");
    }
    ForkedJvm.Result result = fetchWith(client, javaHome, true, UNPINNED, PINNED);

    assertThat(result.resultFor(evil.url(UNPINNED))).as(result.toString()).startsWith("OK");
    assertThat(result.resultFor(evil.url(PINNED))).as(result.toString()).startsWith("FAIL")
        .contains("Certificate pinning failure for host " + PINNED);
  }
}
