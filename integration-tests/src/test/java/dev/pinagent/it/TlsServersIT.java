package dev.pinagent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.it.clients.ServerProbe;
import dev.pinagent.it.support.ForkedJvm;
import dev.pinagent.it.support.JavaRuntimes;
import dev.pinagent.it.support.LabTest;
import dev.pinagent.testing.TestPki;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A TLS server in the same JVM as the agent keeps working unchanged — the JDK's {@code HttpsServer} and
 * Jetty 12, with and without client-certificate authentication — while the agent pins the JVM's clients
 * (the call the server answers is itself a pinned client connection to localhost).
 */
class TlsServersIT extends LabTest {
  private static Path serverKeys;
  private static Path clientKeys;

  @BeforeAll
  static void writeKeys() {
    serverKeys = TestPki.write(TestPki.keyStore(lab.goodLeaf.keyPair.getPrivate(), lab.goodLeaf.certificate,
        lab.goodIntermediate.certificate), lab.directory.resolve("server.p12"));
    TestPki.Issued client = TestPki.leaf("service-client").issuedBy(lab.goodIntermediate).build();
    clientKeys = TestPki.write(TestPki.keyStore(client.keyPair.getPrivate(), client.certificate,
        lab.goodIntermediate.certificate), lab.directory.resolve("client.p12"));
  }

  static Stream<Arguments> servers() {
    List<Arguments> cases = new ArrayList<>();
    for (Path home : JavaRuntimes.all()) {
      for (String server : new String[] {"httpsserver", "jetty"}) {
        for (boolean clientAuth : new boolean[] {false, true}) {
          cases.add(Arguments.of(server, clientAuth, home));
        }
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}, client auth {1}, on {2}")
  @MethodSource("servers")
  void servesAsBeforeWithTheAgentAttached(String server, boolean clientAuth, Path javaHome) {
    if (server.equals("jetty")) {
      JavaRuntimes.assumeAtLeast(javaHome, 17, "Jetty 12");
    }
    ForkedJvm.Result result = lab.client(javaHome)
        .agent("policy=" + lab.localhostPinnedToGoodIssuer("enforce"))
        .main(ServerProbe.class, server, String.valueOf(clientAuth), serverKeys.toString(), clientKeys.toString())
        .run();

    assertThat(result.resultFor("server")).as(result.toString())
        .isEqualTo("OK 200 hello from " + server + (clientAuth ? " with client auth" : ""));
    assertThat(result.stderr).as(result.toString()).doesNotContain("pin violation").doesNotContain("ERROR");
  }
}
