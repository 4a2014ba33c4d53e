package dev.pinagent.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pinagent.inventory.InventoryRecorder;
import dev.pinagent.json.Json;
import dev.pinagent.policy.Policy;
import dev.pinagent.policy.yaml.PolicyLoader;
import dev.pinagent.testing.Fleet;
import dev.pinagent.testing.TestPki;
import dev.pinagent.verify.CheckResult;
import dev.pinagent.verify.PinVerifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProposeCommandTest {
  private static final String NOTHING_PINNED = "version: 1\npin-sets: []\n";

  private final Fleet fleet = new Fleet();

  @TempDir
  Path directory;

  /** The chains one service saw, by host, and how often. */
  private final class Service {
    final Map<String, X509Certificate[]> chains = new LinkedHashMap<>();
    final InventoryRecorder recorder = Fleet.recorder(2000, new LongAdder());
    final PinVerifier verifier = Fleet.verifier(NOTHING_PINNED, recorder);

    Service saw(String host, X509Certificate[] chain, int times) throws CertificateException {
      chains.put(host + " " + chains.size(), chain);
      for (int i = 0; i < times; i++) {
        verifier.check(chain, host, null, 443, fleet.trustManager);
      }
      return this;
    }

    Path inventory(String name) throws Exception {
      return Files.writeString(directory.resolve(name), recorder.json());
    }
  }

  private Service service() {
    return new Service();
  }

  private static PinVerifier enforcing(String yaml) throws Exception {
    return PinVerifier.standalone(PolicyLoader.parse("proposed.yaml", yaml), line -> { });
  }

  @Test
  void proposesAReportModePolicyThatCheckAcceptsAndThatAcceptsEveryServerSeenAndRefusesTheInterception()
      throws Exception {
    Service first = service()
        .saw("api.alpha.example", fleet.chain(fleet.issuerA, "api.alpha.example"), 3)
        .saw("login.alpha.example", fleet.chain(fleet.issuerA, "login.alpha.example"), 2);
    Service second = service()
        .saw("pay.beta.example", fleet.chain(fleet.issuerB, "pay.beta.example"), 5)
        .saw("api.alpha.example", fleet.chain(fleet.issuerA, "api.alpha.example"), 1);

    CliRunner.Result result = CliRunner.run("propose", first.inventory("a.json").toString(),
        second.inventory("b.json").toString());

    assertThat(result.status).as(result.toString()).isZero();
    String yaml = result.out;
    assertThat(yaml).contains("from 2 inventories:", "a.json", "b.json", "3 host(s) observed from ",
        "mode: report", "# issuing CA: CN=Alpha Issuing CA,O=Alpha, not after ",
        "# root (backup): CN=Alpha Root CA,O=Alpha, not after ", "name: alpha-issuing-ca",
        "name: beta-issuing-ca");
    Path policy = Files.writeString(directory.resolve("proposed.yaml"), yaml);
    CliRunner.Result check = CliRunner.run("check", policy.toString());
    assertThat(check.status).as(check.toString()).isLessThan(CheckCommand.ERRORS);

    PinVerifier verifier = enforcing(yaml.replace("mode: report", "mode: enforce"));
    for (Service service : List.of(first, second)) {
      for (Map.Entry<String, X509Certificate[]> seen : service.chains.entrySet()) {
        String host = seen.getKey().split(" ")[0];
        assertThat(verifier.check(seen.getValue(), host, 443, fleet.trustManager)).isEqualTo(CheckResult.MATCH);
      }
    }
    // A renewed certificate from the same CA still passes; the interceptor, whom the JVM trusts, does not.
    assertThat(verifier.check(fleet.chain(fleet.issuerA, "api.alpha.example"), "api.alpha.example", 443,
        fleet.trustManager)).isEqualTo(CheckResult.MATCH);
    assertThatThrownBy(() -> verifier.check(fleet.interception("api.alpha.example"), "api.alpha.example", 443,
        fleet.trustManager)).isInstanceOf(CertificateException.class);
    assertThatThrownBy(() -> verifier.check(fleet.chain(fleet.issuerB, "api.alpha.example"), "api.alpha.example",
        443, fleet.trustManager)).isInstanceOf(CertificateException.class);
  }

  @Test
  void aHostSeenThroughTwoIssuingCasGetsASetPinningBothAndSaysWhy() throws Exception {
    Service service = service()
        .saw("cdn.example.org", fleet.chain(fleet.issuerA, "cdn.example.org"), 2)
        .saw("cdn.example.org", fleet.chain(fleet.issuerB, "cdn.example.org"), 2)
        .saw("other.example.org", fleet.chain(fleet.issuerA, "other.example.org"), 1);

    String yaml = CliRunner.run("propose", service.inventory("a.json").toString(), "--mode", "enforce").out;

    assertThat(yaml).contains("mode: enforce", "served through 2 issuing CAs (a CDN, or a move in progress)",
        "name: cdn.example.org-cas");
    Policy policy = PolicyLoader.parse("p.yaml", yaml);
    assertThat(policy.match("cdn.example.org").pins()).hasSize(4);
    assertThat(policy.match("other.example.org").name()).isEqualTo("alpha-issuing-ca");
    PinVerifier verifier = enforcing(yaml);
    assertThat(verifier.check(fleet.chain(fleet.issuerB, "cdn.example.org"), "cdn.example.org", 443,
        fleet.trustManager)).isEqualTo(CheckResult.MATCH);
    assertThatThrownBy(() -> verifier.check(fleet.chain(fleet.issuerB, "other.example.org"), "other.example.org",
        443, fleet.trustManager)).isInstanceOf(CertificateException.class);
  }

  @Test
  void suggestsAWildcardOnlyWhereEveryObservedHostUnderItSharesTheCa() throws Exception {
    Service service = service()
        .saw("a.svc.example.net", fleet.chain(fleet.issuerA, "a.svc.example.net"), 1)
        .saw("b.svc.example.net", fleet.chain(fleet.issuerA, "b.svc.example.net"), 1)
        .saw("x.mixed.example.net", fleet.chain(fleet.issuerA, "x.mixed.example.net"), 1)
        .saw("y.mixed.example.net", fleet.chain(fleet.issuerA, "y.mixed.example.net"), 1)
        .saw("z.mixed.example.net", fleet.chain(fleet.issuerB, "z.mixed.example.net"), 1);

    String yaml = CliRunner.run("propose", service.inventory("a.json").toString()).out;

    assertThat(yaml).contains("- \"*.svc.example.net\"   # suggestion: every observed host under it goes through "
        + "this set's CA(s): a.svc.example.net, b.svc.example.net");
    assertThat(yaml).doesNotContain("*.mixed.example.net", "**.example.net", "a.svc.example.net\n");
    assertThat(yaml).contains("- x.mixed.example.net\n", "- y.mixed.example.net\n", "- z.mixed.example.net\n");
  }

  @Test
  void listsIpAddressesRareAndExcludedHostsInACommentWithoutPinningThem() throws Exception {
    Service service = service()
        .saw("api.alpha.example", fleet.chain(fleet.issuerA, "api.alpha.example"), 5)
        .saw("10.1.2.3", fleet.chain(fleet.issuerA, "10.1.2.3"), 5)
        .saw("rare.alpha.example", fleet.chain(fleet.issuerA, "rare.alpha.example"), 1)
        .saw("metadata.internal.example", fleet.chain(fleet.issuerB, "metadata.internal.example"), 9);

    CliRunner.Result result = CliRunner.run("propose", service.inventory("a.json").toString(), "--min-count", "2",
        "--exclude", "\\.internal\\.example$");

    assertThat(result.out).contains("# Not pinned:\n",
        "#   10.1.2.3: an IP address",
        "#   metadata.internal.example: excluded by --exclude",
        "#   rare.alpha.example: seen 1 time(s), below --min-count 2");
    Policy policy = PolicyLoader.parse("p.yaml", result.out);
    assertThat(policy.match("api.alpha.example")).isNotNull();
    assertThat(policy.match("10.1.2.3")).isNull();
    assertThat(policy.match("rare.alpha.example")).isNull();
    assertThat(policy.match("metadata.internal.example")).isNull();
  }

  @Test
  void doesNotPinAChainThePolicyInForceBlocked() throws Exception {
    InventoryRecorder recorder = Fleet.recorder(2000, new LongAdder());
    PinVerifier verifier = Fleet.verifier("version: 1\nmode: enforce\npin-sets:\n  - name: alpha\n"
        + "    hosts: [api.alpha.example, pay.alpha.example]\n    pins: [" + fleet.issuerA.pin() + ", "
        + TestPki.randomPin() + "]\n", recorder);
    verifier.check(fleet.chain(fleet.issuerA, "api.alpha.example"), "api.alpha.example", 443, fleet.trustManager);
    assertThatThrownBy(() -> verifier.check(fleet.interception("api.alpha.example"), "api.alpha.example", 443,
        fleet.trustManager)).isInstanceOf(CertificateException.class);
    assertThatThrownBy(() -> verifier.check(fleet.interception("pay.alpha.example"), "pay.alpha.example", 443,
        fleet.trustManager)).isInstanceOf(CertificateException.class);
    Path inventory = Files.writeString(directory.resolve("a.json"), recorder.json());

    String yaml = CliRunner.run("propose", inventory.toString()).out;

    assertThat(yaml).contains("api.alpha.example: chain(s) the policy in force blocked are not pinned: "
        + "CN=Evil Root CA,O=Interceptor", "#   pay.alpha.example: every chain seen was blocked by the policy in "
        + "force (an interception?): CN=Evil Root CA,O=Interceptor");
    assertThat(PolicyLoader.parse("p.yaml", yaml).match("pay.alpha.example")).isNull();
    assertThat(PolicyLoader.parse("p.yaml", yaml).match("api.alpha.example").pins()).hasSize(2);
    assertThat(yaml).doesNotContain(fleet.evilRoot.pin());
  }

  @Test
  void jsonGivesTheSameProposalForTools() throws Exception {
    Service service = service().saw("api.alpha.example", fleet.chain(fleet.issuerA, "api.alpha.example"), 2);

    CliRunner.Result result = CliRunner.run("propose", service.inventory("a.json").toString(), "--format", "json");

    Map<?, ?> json = (Map<?, ?>) Json.read(result.out, 1 << 20);
    assertThat(json.get("mode")).isEqualTo("report");
    assertThat(json.get("hosts")).isEqualTo(1);
    Map<?, ?> set = (Map<?, ?>) ((List<?>) json.get("pinSets")).get(0);
    assertThat(set.get("name")).isEqualTo("alpha-issuing-ca");
    assertThat(set.get("hosts")).isEqualTo(List.of("api.alpha.example"));
    assertThat(((List<?>) set.get("pins"))).extracting(pin -> (String) ((Map<?, ?>) pin).get("pin"))
        .containsExactly(fleet.issuerA.pin(), fleet.rootA.pin());
  }

  @Test
  void refusesAFileThatIsNoInventoryWithWhereAndWhat() throws Exception {
    Path bad = Files.write(directory.resolve("bad.json"),
        "{\"format\": \"pin-agent-inventory/1\", \"written\": \"2026-01-01T00:00:00Z\", \"dropped\": 0, \"hosts\": 3}"
            .getBytes(StandardCharsets.UTF_8));

    CliRunner.Result result = CliRunner.run("propose", bad.toString());

    assertThat(result.status).isEqualTo(CheckCommand.ERRORS);
    assertThat(result.err).contains("bad.json: not an inventory: /hosts: expected an array, got 3");
    assertThat(CliRunner.run("propose").err).contains("propose takes one or more inventory files");
    assertThat(CliRunner.run("propose", bad.toString(), "--mode", "block").err).contains("--mode");
    assertThat(CliRunner.run("propose", bad.toString(), "--exclude", "(").err).contains("not a regular expression");
    assertThat(CliRunner.run("propose", directory.resolve("missing.json").toString()).err).contains("no such file");
  }
}
