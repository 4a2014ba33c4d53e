package dev.pinagent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.it.clients.HttpsProbe;
import dev.pinagent.it.support.ForkedJvm;
import dev.pinagent.it.support.JavaRuntimes;
import dev.pinagent.it.support.LabTest;
import dev.pinagent.it.support.TlsServer;
import dev.pinagent.testing.TestPki;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Chains built to slip past a pin check, each served by a real TLS server and refused in enforce mode, both
 * through the JVM's normal trust manager (which trusts the attacker's CA) and through a trust-all one (which
 * trusts anything). Without the agent the trust-all client accepts every one of them.
 */
class AttacksIT extends LabTest {
  private static final Map<String, TlsServer> ATTACKS = new LinkedHashMap<>();
  /** The attacks the JVM's own trust manager accepts: only the agent refuses them, whatever the client. */
  private static final Set<String> JVM_ACCEPTS = new HashSet<>();
  private static Path policy;

  @BeforeAll
  static void startAttackServers() {
    TestPki.Issued subCa = TestPki.ca("CN=Sub CA,O=Partner").issuedBy(lab.goodIntermediate).build();
    TestPki.Issued tooDeep = TestPki.leaf("localhost").dns("localhost").issuedBy(subCa).build();
    TestPki.Issued signedByPinnedLeaf = TestPki.leaf("localhost").dns("localhost").issuedBy(lab.goodLeaf).build();
    TestPki.Issued forged = TestPki.leaf("localhost").dns("localhost")
        .forgedIssuer(lab.goodIntermediate.certificate.getSubjectX500Principal().getName(),
            lab.evilRoot.keyPair.getPrivate()).build();
    attack("pinned CA appended to a forged leaf", lab.evilLeaf, lab.evilLeaf.certificate,
        lab.goodIntermediate.certificate);
    attack("pinned chain appended to a forged chain", lab.evilLeaf, lab.evilLeaf.certificate,
        lab.evilRoot.certificate, lab.goodIntermediate.certificate, lab.goodRoot.certificate);
    attack("pinned leaf appended to a forged chain", lab.evilLeaf, lab.evilLeaf.certificate,
        lab.evilRoot.certificate, lab.goodLeaf.certificate);
    attack("pinned certificate without the CA bit as signer", signedByPinnedLeaf,
        signedByPinnedLeaf.certificate, lab.goodLeaf.certificate);
    attack("chain longer than the pinned CA's path length", tooDeep, tooDeep.certificate, subCa.certificate,
        lab.goodIntermediate.certificate);
    attack("leaf naming the pinned CA as issuer, signed by another key", forged, forged.certificate,
        lab.goodIntermediate.certificate);
    // A sub-CA the pinned root constrained to another domain; its holder has the same key cross-certified by the
    // interceptor's CA. The JVM rejects the constrained route and validates through the cross-certificate.
    TestPki.Issued constrainedSub = TestPki.ca("CN=Customer Sub CA,O=Partner").permittedDns("attacker.example.net")
        .issuedBy(lab.goodRoot).build();
    TestPki.Issued crossCertified = TestPki.ca("CN=Customer Sub CA,O=Partner").keyPair(constrainedSub.keyPair)
        .issuedBy(lab.evilRoot).build();
    TestPki.Issued outsideConstraints = TestPki.leaf("localhost").dns("localhost").issuedBy(constrainedSub).build();
    attack("pinned root reached only through a sub-CA whose name constraints exclude the host", outsideConstraints,
        outsideConstraints.certificate, constrainedSub.certificate, crossCertified.certificate);
    JVM_ACCEPTS.add("pinned root reached only through a sub-CA whose name constraints exclude the host");
    ATTACKS.keySet().stream().filter(name -> name.contains("appended")).forEach(JVM_ACCEPTS::add);
    // The pinned intermediate, its root and, as backup, the real leaf's own key: each must be on a valid path.
    policy = lab.policy("version: 1\npin-sets:\n  - name: partner\n    hosts: [localhost]\n    pins:\n"
        + "      - " + lab.goodIntermediate.pin() + "\n      - " + lab.goodRoot.pin() + "\n      - "
        + lab.goodLeaf.pin() + "\n");
  }

  private static void attack(String name, TestPki.Issued key, X509Certificate... chain) {
    ATTACKS.put(name, TlsServer.start(name, "127.0.0.1", key.keyPair.getPrivate(), chain));
  }

  @AfterAll
  static void stopAttackServers() {
    ATTACKS.values().forEach(TlsServer::close);
  }

  static Stream<Arguments> clientsAndJvms() {
    List<Arguments> cases = new ArrayList<>();
    for (Path home : JavaRuntimes.all()) {
      cases.add(Arguments.of("jdk-default", home));
      cases.add(Arguments.of("trust-all", home));
    }
    return cases.stream();
  }

  private static String[] urls(String client, boolean hold) {
    List<String> args = new ArrayList<>(List.of(client));
    args.add(lab.good.url("localhost"));
    ATTACKS.values().forEach(server -> args.add(server.url("localhost")));
    return args.toArray(new String[0]);
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("clientsAndJvms")
  void refusesEveryForgedChainAndStillAcceptsTheRealServer(String client, Path javaHome) {
    ForkedJvm.Result result = lab.client(javaHome).agent("policy=" + policy)
        .main(HttpsProbe.class, urls(client, false)).run();

    assertThat(result.resultFor(lab.good.url("localhost"))).as(result.toString()).startsWith("OK");
    ATTACKS.forEach((name, server) -> {
      String outcome = result.resultFor(server.url("localhost"));
      assertThat(outcome).as(name + "\n" + result).startsWith("FAIL");
      if (client.equals("trust-all") || JVM_ACCEPTS.contains(name)) {
        assertThat(outcome).as(name + ": refused by the agent, not the JVM\n" + result)
            .contains("Certificate pinning failure for host localhost");
      }
    });
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("clientsAndJvms")
  void acceptsTheseChainsWithoutTheAgentSoEachAttackIsReal(String client, Path javaHome) {
    ForkedJvm.Result result = lab.client(javaHome).main(HttpsProbe.class, urls(client, false)).run();

    ATTACKS.forEach((name, server) -> {
      if (client.equals("trust-all") || JVM_ACCEPTS.contains(name)) {
        assertThat(result.resultFor(server.url("localhost"))).as(name + "\n" + result).startsWith("OK");
      }
    });
  }
}
