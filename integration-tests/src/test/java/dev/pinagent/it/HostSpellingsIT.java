package dev.pinagent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.it.clients.HttpsProbe;
import dev.pinagent.it.support.ForkedJvm;
import dev.pinagent.it.support.LabTest;
import dev.pinagent.it.support.MitmLab;
import dev.pinagent.it.support.TlsServer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every spelling of a pinned host reaches its pin-set: upper case, a trailing dot, an IDN written in Unicode
 * or punycode (the policy uses the other form), IPv4 and IPv6 literals. None slips through unpinned.
 */
class HostSpellingsIT extends LabTest {
  private static TlsServer goodV6;
  private static TlsServer evilV6;
  private static Path policy;

  @BeforeAll
  static void startIpv6Servers() {
    goodV6 = TlsServer.start("good", "::1", lab.goodLeaf.keyPair.getPrivate(), lab.goodLeaf.certificate,
        lab.goodIntermediate.certificate);
    evilV6 = TlsServer.start("evil", "::1", lab.evilLeaf.keyPair.getPrivate(), lab.evilLeaf.certificate);
    policy = lab.policy("version: 1\npin-sets:\n  - name: partner\n"
        + "    hosts: [localhost, 127.0.0.1, \"::1\", bücher.example]\n"
        + "    pins: [" + lab.goodIntermediate.pin() + ", " + lab.goodRoot.pin() + "]\n");
  }

  @AfterAll
  static void stopIpv6Servers() {
    goodV6.close();
    evilV6.close();
  }

  private static List<String> spellings(TlsServer v4, TlsServer v6) {
    int port = v4.port();
    return List.of("https://LOCALHOST:" + port + "/", "https://localhost.:" + port + "/",
        "https://127.0.0.1:" + port + "/", "https://[::1]:" + v6.port() + "/",
        "https://" + MitmLab.IDN_HOST + ":" + port + "/", "https://bücher.example:" + port + "/");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("jvms")
  void pinsEverySpellingOfAPinnedHost(Path javaHome) {
    List<String> goodUrls = spellings(lab.good, goodV6);
    List<String> evilUrls = spellings(lab.evil, evilV6);
    List<String> args = new java.util.ArrayList<>(List.of("trust-all"));
    args.addAll(goodUrls);
    args.addAll(evilUrls);

    ForkedJvm.Result result = lab.client(javaHome)
        .jvmOption("-Djdk.net.hosts.file=" + lab.hostsFile())
        .agent("policy=" + policy)
        .main(HttpsProbe.class, args.toArray(new String[0]))
        .run();

    for (String url : goodUrls) {
      assertThat(result.resultFor(url)).as(url + "\n" + result).startsWith("OK 200 hello from good");
    }
    for (String url : evilUrls) {
      assertThat(result.resultFor(url)).as(url + "\n" + result)
          .startsWith("FAIL").contains("Certificate pinning failure for host");
    }
  }
}
