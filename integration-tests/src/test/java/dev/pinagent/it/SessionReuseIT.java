package dev.pinagent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.it.clients.ResumptionProbe;
import dev.pinagent.it.support.ForkedJvm;
import dev.pinagent.it.support.JavaRuntimes;
import dev.pinagent.it.support.LabTest;
import dev.pinagent.it.support.TlsServer;
import dev.pinagent.testing.TestPki;
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
 * SunJSSE keys its client session cache by peer host and port only. A client that reaches several names through
 * one address (a gateway, a load balancer, an IP with SNI set per connection) would resume a session checked for
 * one name on a connection for another: no certificate, no trust manager, no pin check. The man in the middle
 * holds a certificate for both names from a CA the JVM trusts; {@code static.example.com} is unpinned, {@code
 * api.example.com} is pinned to the partner's CA. Both TLS 1.2 (session IDs) and TLS 1.3 (tickets) are tried, with
 * SunJSSE, with Netty's OpenSSL engine and with BouncyCastle JSSE, whose client session caches are keyed the same
 * way.
 */
class SessionReuseIT extends LabTest {
  private static final String UNPINNED = "static.example.com";
  private static final String PINNED = "api.example.com";

  private static TlsServer evilForBoth;
  private static TlsServer goodForBoth;
  private static Path hosts;

  @BeforeAll
  static void startServers() {
    TestPki.Issued evil = TestPki.leaf(PINNED).dns(PINNED, UNPINNED).issuedBy(lab.evilRoot).build();
    evilForBoth = TlsServer.start("evil", "127.0.0.1", evil.keyPair.getPrivate(), evil.certificate);
    TestPki.Issued good = TestPki.leaf(PINNED).dns(PINNED, UNPINNED).issuedBy(lab.goodIntermediate).build();
    goodForBoth = TlsServer.start("good", "127.0.0.1", good.keyPair.getPrivate(), good.certificate,
        lab.goodIntermediate.certificate);
    hosts = lab.directory.resolve("reuse-names");
    try {
      java.nio.file.Files.write(hosts, ("127.0.0.1 " + PINNED + "\n127.0.0.1 " + UNPINNED + "\n")
          .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @AfterAll
  static void stopServers() {
    evilForBoth.close();
    goodForBoth.close();
  }

  /**
   * SunJSSE's cache, Netty's OpenSSL one beside it (its JDK engine goes through SunJSSE's), and BouncyCastle
   * JSSE's, all keyed by peer host and port.
   */
  static Stream<Arguments> jvmsAndProtocols() {
    List<Arguments> cases = new ArrayList<>();
    for (Path home : JavaRuntimes.all()) {
      for (String client : new String[] {"jdk", "netty-openssl"}) {
        for (String protocol : new String[] {"TLSv1.2", "TLSv1.3"}) {
          cases.add(Arguments.of(client, protocol, home));
        }
      }
      // BouncyCastle JSSE resumes TLS 1.2 sessions only.
      cases.add(Arguments.of("bcjsse", "TLSv1.2", home));
    }
    return cases.stream();
  }

  private static Path policy() {
    return lab.policy("version: 1\n"
        + "pin-sets:\n"
        + "  - name: api\n"
        + "    hosts: [" + PINNED + "]\n"
        + "    pins:\n"
        + "      - " + lab.goodIntermediate.pin() + "\n"
        + "      - " + lab.goodRoot.pin() + "\n");
  }

  private static ForkedJvm.Result connect(Path javaHome, boolean withAgent, String client, String protocol,
      TlsServer server, String... serverNames) {
    return connect(javaHome, withAgent, client, protocol, "127.0.0.1", server, serverNames);
  }

  private static ForkedJvm.Result connect(Path javaHome, boolean withAgent, String client, String protocol,
      String peerHost, TlsServer server, String... serverNames) {
    ForkedJvm jvm = lab.client(javaHome).jvmOption("-Djdk.net.hosts.file=" + hosts);
    if (client.equals("bcjsse")) {
      jvm.classpathWith(ForkedJvm.bcJsseJars());
    }
    if (withAgent) {
      jvm.agent("policy=" + policy());
    }
    List<String> args = new ArrayList<>(List.of(client, protocol, peerHost, String.valueOf(server.port())));
    args.addAll(List.of(serverNames));
    return jvm.main(ResumptionProbe.class, args.toArray(new String[0])).run();
  }

  @ParameterizedTest(name = "{0} {1} on {2}")
  @MethodSource("jvmsAndProtocols")
  void withoutTheAgentTheJdkResumesASessionAcrossNamesSoTheAttackIsReal(String client, String protocol, Path javaHome) {
    ForkedJvm.Result result = connect(javaHome, false, client, protocol, evilForBoth, UNPINNED, PINNED);

    assertThat(result.resultFor("1:" + UNPINNED)).as(result.toString()).startsWith("OK full hello from evil");
    assertThat(result.resultFor("2:" + PINNED)).as(result.toString()).startsWith("OK resumed hello from evil");
  }

  @ParameterizedTest(name = "{0} {1} on {2}")
  @MethodSource("jvmsAndProtocols")
  void neverResumesASessionCheckedForAnUnpinnedNameOnAConnectionToAPinnedOne(String client, String protocol, Path javaHome) {
    ForkedJvm.Result result = connect(javaHome, true, client, protocol, evilForBoth, UNPINNED, PINNED);

    assertThat(result.resultFor("1:" + UNPINNED)).as(result.toString()).startsWith("OK full hello from evil");
    assertThat(result.resultFor("2:" + PINNED)).as(result.toString())
        .startsWith("FAIL")
        .contains("Certificate pinning failure for host " + PINNED + " (pin-set 'api')");
  }

  @ParameterizedTest(name = "{0} {1} on {2}")
  @MethodSource("jvmsAndProtocols")
  void refusesTheManInTheMiddleForThePinnedNameOnAFreshClient(String client, String protocol, Path javaHome) {
    ForkedJvm.Result result = connect(javaHome, true, client, protocol, evilForBoth, PINNED);

    assertThat(result.resultFor("1:" + PINNED)).as(result.toString()).startsWith("FAIL")
        .contains("Certificate pinning failure for host " + PINNED);
  }

  @ParameterizedTest(name = "{0} {1} on {2}")
  @MethodSource("jvmsAndProtocols")
  void stillResumesASessionForTheNameItWasCheckedFor(String client, String protocol, Path javaHome) {
    ForkedJvm.Result result = connect(javaHome, true, client, protocol, "sni", goodForBoth, PINNED, PINNED, UNPINNED,
        UNPINNED, PINNED);

    assertThat(result.resultFor("1:" + PINNED)).as(result.toString()).startsWith("OK full hello from good");
    assertThat(result.resultFor("2:" + PINNED)).as(result.toString()).startsWith("OK resumed hello from good");
    assertThat(result.resultFor("3:" + UNPINNED)).as(result.toString()).startsWith("OK full hello from good");
    assertThat(result.resultFor("4:" + UNPINNED)).as(result.toString()).startsWith("OK resumed hello from good");
  }

  /**
   * Through one address, SunJSSE and BouncyCastle resume a session for the name it was checked for. Netty's cache
   * cannot be seen into before it picks a session, so there a pinned name asked for through another address always
   * gets a full handshake: slower, never weaker.
   */
  @ParameterizedTest(name = "{0} {1} on {2}")
  @MethodSource("jvmsAndProtocols")
  void throughOneAddressResumesOnlyForTheNameASessionWasCheckedFor(String client, String protocol, Path javaHome) {
    ForkedJvm.Result result = connect(javaHome, true, client, protocol, goodForBoth, PINNED, PINNED, UNPINNED,
        PINNED);

    assertThat(result.resultFor("1:" + PINNED)).as(result.toString()).startsWith("OK full hello from good");
    assertThat(result.resultFor("2:" + PINNED)).as(result.toString())
        .startsWith(client.equals("netty-openssl") ? "OK full hello from good" : "OK resumed hello from good");
    // Netty may resume the pinned name's session for the unpinned one: nothing would be checked for it anyway.
    assertThat(result.resultFor("3:" + UNPINNED)).as(result.toString())
        .startsWith(client.equals("netty-openssl") ? "OK resumed hello from good" : "OK full hello from good");
    assertThat(result.resultFor("4:" + PINNED)).as(result.toString()).startsWith("OK full hello from good");
  }
}
