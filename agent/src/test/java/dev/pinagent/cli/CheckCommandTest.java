package dev.pinagent.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.pinagent.testing.DripServer;
import dev.pinagent.testing.TestPki;
import dev.pinagent.testing.TestTlsServer;
import dev.pinagent.verify.Printable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

class CheckCommandTest {
  private static final TestPki.Issued ROOT = TestPki.ca("CN=Check Root").build();
  private static final TestPki.Issued INTERMEDIATE = TestPki.ca("CN=Check Issuing CA").issuedBy(ROOT).build();
  private static final TestPki.Issued LEAF = TestPki.leaf("localhost").dns("localhost").issuedBy(INTERMEDIATE)
      .build();
  private static TestTlsServer server;
  private static Path trustStore;

  @TempDir
  static Path directory;

  @BeforeAll
  static void start() {
    server = TestTlsServer.start(LEAF.keyPair.getPrivate(), LEAF.certificate, INTERMEDIATE.certificate);
    trustStore = TestPki.write(TestPki.trustStore(ROOT.certificate), directory.resolve("trust.p12"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static Path policy(String name, String yaml) throws Exception {
    return Files.write(directory.resolve(name), yaml.getBytes(StandardCharsets.UTF_8));
  }

  private static String localhostPinnedTo(String... pins) {
    return "version: 1\npin-sets:\n  - name: local\n    hosts: [localhost, \"*.example.com\"]\n    pins: ["
        + String.join(", ", pins) + "]\n";
  }

  private static CliRunner.Result online(Path policy, String... extra) {
    String[] args = {"check", policy.toString(), "--online", "--port", String.valueOf(server.port()),
        "--truststore", trustStore.toString(), "--truststore-password", "changeit"};
    String[] all = new String[args.length + extra.length];
    System.arraycopy(args, 0, all, 0, args.length);
    System.arraycopy(extra, 0, all, args.length, extra.length);
    return CliRunner.run(all);
  }

  @Test
  void exitsZeroForACleanPolicy() throws Exception {
    Path clean = policy("clean.yaml", localhostPinnedTo(INTERMEDIATE.pin(), ROOT.pin()));
    CliRunner.Result run = CliRunner.run("check", clean.toString());

    assertThat(run.status).as(run.toString()).isZero();
    assertThat(run.out).isEqualTo(clean + ": valid: 1 pin-set(s), 2 host pattern(s)\n0 error(s), 0 warning(s)\n");
  }

  @Test
  void exitsOneForWarningsOnly() throws Exception {
    CliRunner.Result run = CliRunner.run("check", policy("single.yaml", localhostPinnedTo(ROOT.pin())).toString());

    assertThat(run.status).isEqualTo(1);
    assertThat(run.out).contains("warning: pin-set 'local' is enforced with a single pin");
  }

  @Test
  void printsTheFirstTenWarningsOfEachKindThenACountUnlessAskedForAll() throws Exception {
    StringBuilder yaml = new StringBuilder("version: 1\npin-sets:\n");
    for (int i = 0; i < 12; i++) {
      yaml.append("  - name: s").append(i).append("\n    hosts: [s").append(i).append(".example.com]\n    pins: [")
          .append(ROOT.pin()).append("]\n");
    }
    Path policy = policy("many.yaml", yaml.toString());

    CliRunner.Result summary = CliRunner.run("check", policy.toString());
    CliRunner.Result all = CliRunner.run("check", policy.toString(), "--all");
    CliRunner.Result json = CliRunner.run("check", policy.toString(), "--format", "json");

    assertThat(summary.status).isEqualTo(1);
    assertThat(summary.out.split("\n")).filteredOn(line -> line.startsWith("warning: pin-set")).hasSize(10);
    assertThat(summary.out).contains("\nwarning: ... and 2 more enforced sets with a single pin (run again with --all "
        + "to see them all)\n0 error(s), 12 warning(s)\n");
    assertThat(all.out.split("\n")).filteredOn(line -> line.startsWith("warning: pin-set")).hasSize(12);
    assertThat(all.out).doesNotContain("more enforced sets").endsWith("0 error(s), 12 warning(s)\n");
    assertThat(json.out.split("\n")).filteredOn(line -> line.contains("is enforced with a single pin")).hasSize(12);
  }

  @Test
  void exitsTwoWithFileAndLineForAnInvalidPolicy() throws Exception {
    Path broken = policy("broken.yaml", "version: 1\npin-sets:\n  - name: local\n    hosts: [localhost]\n"
        + "    pin: [" + ROOT.pin() + "]\n");
    CliRunner.Result run = CliRunner.run("check", broken.toString());

    assertThat(run.status).isEqualTo(2);
    assertThat(run.out).contains("error: " + broken + ":5: /pin-sets/0/pin: unknown key 'pin' (did you mean 'pins'?)");
  }

  @Test
  void exitsTwoWithFileAndLineForANameIdna2003AndIdna2008ReadAsTwoHosts() throws Exception {
    Path ambiguous = policy("ambiguous.yaml", "version: 1\npin-sets:\n  - name: shop\n    hosts:\n"
        + "      - shop.example.com\n      - \"*.faß.example.com\"\n    pins: [" + ROOT.pin() + ", "
        + INTERMEDIATE.pin() + "]\n");
    CliRunner.Result run = CliRunner.run("check", ambiguous.toString());

    assertThat(run.status).as(run.toString()).isEqualTo(2);
    assertThat(run.out).doesNotContain("valid").contains("error: " + ambiguous + ":6: /pin-sets/0/hosts/1: "
        + "'*.faß.example.com' is read differently by IDNA2003 (*.fass.example.com) and IDNA2008 "
        + "(*.xn--fa-hia.example.com); write the name in its punycode form, e.g. '*.xn--fa-hia.example.com'");
  }

  @Test
  void reportsAMatchingLiveChainOnline() throws Exception {
    CliRunner.Result run = online(policy("online-ok.yaml", localhostPinnedTo(INTERMEDIATE.pin(), ROOT.pin())));

    assertThat(run.status).as(run.toString()).isZero();
    assertThat(run.out).contains("online: localhost:" + server.port() + " (pin-set 'local'): match [" + LEAF.pin()
        + ": CN=localhost, " + INTERMEDIATE.pin() + ": CN=Check Issuing CA");
  }

  @Test
  void reportsARootPinReachedThroughTheTrustStore() throws Exception {
    CliRunner.Result run = online(policy("online-root.yaml", localhostPinnedTo(ROOT.pin(), TestPki.randomPin())));

    assertThat(run.status).as(run.toString()).isZero();
    assertThat(run.out).contains("match").contains(ROOT.pin() + ": CN=Check Root");
  }

  @Test
  void failsWhenALiveChainDoesNotMatch() throws Exception {
    CliRunner.Result run = online(policy("online-bad.yaml", localhostPinnedTo(TestPki.randomPin(),
        TestPki.randomPin())));

    assertThat(run.status).isEqualTo(2);
    assertThat(run.out).contains("(pin-set 'local'): mismatch")
        .contains("error: localhost:" + server.port() + " (pin-set 'local') does not match today: "
            + "no key on the certification path is pinned");
  }

  @Test
  void escapesControlCharactersInTheNamesItPrints() throws Exception {
    TestPki.Issued forger = TestPki.ca("CN=Forger\nerror: none\r\u0085\u001b[0m").build();
    TestPki.Issued forgedLeaf = TestPki.leaf("localhost").dns("localhost").issuedBy(forger).build();
    Path trustingForger = TestPki.write(TestPki.trustStore(forger.certificate), directory.resolve("forger.p12"));
    try (TestTlsServer forging = TestTlsServer.start(forgedLeaf.keyPair.getPrivate(), forgedLeaf.certificate)) {
      Path policy = policy("forged.yaml", localhostPinnedTo(INTERMEDIATE.pin(), ROOT.pin()));
      CliRunner.Result run = CliRunner.run("check", policy.toString(), "--online", "--port",
          String.valueOf(forging.port()), "--truststore", trustingForger.toString(), "--truststore-password",
          "changeit");

      assertThat(run.status).isEqualTo(2);
      assertThat(run.out).contains(": CN=Forger\\nerror: none\\r\\u0085\\u001b[0m");
      assertThat(run.out.split("\n")).noneMatch(line -> line.startsWith("error: none"))
          .allSatisfy(line -> assertThat(line.chars()).noneMatch(c -> Printable.needsEscape(c)));
    }
  }

  static Stream<Arguments> leavesOutOfTheirValidity() {
    Instant now = Instant.now();
    return Stream.of(
        Arguments.of("expired", now.minus(Duration.ofDays(60)), now.minus(Duration.ofDays(1)), "expired on "),
        Arguments.of("not yet valid", now.plus(Duration.ofDays(1)), now.plus(Duration.ofDays(60)),
            "is not valid before "));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("leavesOutOfTheirValidity")
  void failsForALeafOutOfItsValidityThoughThePinsMatch(String state, Instant from, Instant until, String says)
      throws Exception {
    TestPki.Issued leaf = TestPki.leaf("localhost").dns("localhost").issuedBy(INTERMEDIATE).validity(from, until)
        .build();
    try (TestTlsServer stale = TestTlsServer.start(leaf.keyPair.getPrivate(), leaf.certificate,
        INTERMEDIATE.certificate)) {
      Path policy = policy("stale-" + state.replace(' ', '-') + ".yaml", localhostPinnedTo(INTERMEDIATE.pin(),
          ROOT.pin()));
      CliRunner.Result run = CliRunner.run("check", policy.toString(), "--online", "--port",
          String.valueOf(stale.port()), "--truststore", trustStore.toString(), "--truststore-password", "changeit");

      Instant date = says.startsWith("expired") ? until : from;
      assertThat(run.status).as(run.toString()).isEqualTo(2);
      // The pins are checked on a valid path only (PKIX), so an out-of-date leaf is also a mismatch; the line
      // that says why is the one an operator needs.
      assertThat(run.out)
          .contains("error: localhost:" + stale.port() + " (pin-set 'local'): the leaf certificate CN=localhost "
              + says + date.truncatedTo(ChronoUnit.SECONDS) + ", so the JVM refuses every connection to this host");
    }
  }

  @Test
  void warnsWhenAHostCannotBeReached() throws Exception {
    Path policy = policy("unreachable.yaml", localhostPinnedTo(INTERMEDIATE.pin(), ROOT.pin()));
    CliRunner.Result run = CliRunner.run("check", policy.toString(), "--online", "--port", "1", "--timeout", "2");

    assertThat(run.status).isEqualTo(1);
    assertThat(run.out).contains("(pin-set 'local'): unreachable").contains("warning: localhost:1 (pin-set 'local') "
        + "could not be checked");
  }

  @Test
  void makesAnUnreachableHostAnErrorWhenStrict() throws Exception {
    Path policy = policy("strict.yaml", localhostPinnedTo(INTERMEDIATE.pin(), ROOT.pin()));
    CliRunner.Result run = CliRunner.run("check", policy.toString(), "--online", "--strict", "--port", "1",
        "--timeout", "2");

    assertThat(run.status).as(run.toString()).isEqualTo(2);
    assertThat(run.out).contains("(pin-set 'local'): unreachable")
        .contains("error: localhost:1 (pin-set 'local') could not be checked: ")
        .contains(" (--strict: a host not checked is an error)")
        .doesNotContain("warning: localhost:1").endsWith("1 error(s), 0 warning(s)\n");
  }

  @Test
  void checksOnlyTheTargetsGivenEachOnItsOwnPort() throws Exception {
    try (TestTlsServer other = TestTlsServer.start(LEAF.keyPair.getPrivate(), LEAF.certificate,
        INTERMEDIATE.certificate)) {
      Path policy = policy("targets.yaml", "version: 1\npin-sets:\n  - name: local\n    hosts: [localhost, "
          + "unreachable.invalid]\n    pins: [" + INTERMEDIATE.pin() + ", " + ROOT.pin() + "]\n");
      CliRunner.Result run = CliRunner.run("check", policy.toString(), "--online", "--strict",
          "--target", "localhost:" + server.port(), "--target=localhost:" + other.port(),
          "--truststore", trustStore.toString(), "--truststore-password", "changeit");

      assertThat(run.status).as(run.toString()).isZero();
      assertThat(run.out.split("\n")).filteredOn(line -> line.startsWith("online: ")).containsExactly(
          "online: localhost:" + server.port() + " (pin-set 'local'): match [" + LEAF.pin() + ": CN=localhost, "
              + INTERMEDIATE.pin() + ": CN=Check Issuing CA, " + ROOT.pin() + ": CN=Check Root]",
          "online: localhost:" + other.port() + " (pin-set 'local'): match [" + LEAF.pin() + ": CN=localhost, "
              + INTERMEDIATE.pin() + ": CN=Check Issuing CA, " + ROOT.pin() + ": CN=Check Root]");
      assertThat(run.out).doesNotContain("unreachable.invalid");
    }
  }

  @Test
  void takesATargetAsCoveredByAWildcardSet() throws Exception {
    Path policy = policy("wildcard-target.yaml", "version: 1\npin-sets:\n  - name: wild\n    hosts: [\"*.localhost\"]\n"
        + "    pins: [" + INTERMEDIATE.pin() + ", " + ROOT.pin() + "]\n");
    CliRunner.Result run = CliRunner.run("check", policy.toString(), "--online", "--target",
        "api.localhost:" + server.port(), "--timeout", "2", "--truststore", trustStore.toString(),
        "--truststore-password", "changeit");

    assertThat(run.out).as(run.toString()).contains("online: api.localhost:" + server.port() + " (pin-set 'wild'): ");
  }

  @Test
  void refusesATargetNoPinSetCovers() throws Exception {
    Path policy = policy("uncovered.yaml", localhostPinnedTo(INTERMEDIATE.pin(), ROOT.pin()));
    CliRunner.Result run = online(policy, "--target", "api.partner.example:8443", "--target",
        "localhost:" + server.port());

    assertThat(run.status).as(run.toString()).isEqualTo(2);
    assertThat(run.out).contains("error: --target api.partner.example:8443 matches no pin-set in " + policy
        + "; add api.partner.example to the hosts of the set meant to pin it, or correct the target")
        .contains("online: localhost:" + server.port() + " (pin-set 'local'): match")
        .doesNotContain("online: api.partner.example");
  }

  static Stream<Arguments> badTargetUsage() {
    return Stream.of(
        Arguments.of("target without --online", new String[] {"--target", "localhost:443"},
            "pin-agent: --target applies to --online; add --online (see --help)\n"),
        Arguments.of("strict without --online", new String[] {"--strict"},
            "pin-agent: --strict applies to --online; add --online (see --help)\n"),
        Arguments.of("port not a number", new String[] {"--online", "--target", "localhost:https"},
            "pin-agent: --target 'localhost:https': the port must be a number from 1 to 65535, got 'https' "
                + "(see --help)\n"),
        Arguments.of("IPv6 without brackets", new String[] {"--online", "--target", "::1:443"},
            "pin-agent: --target '::1:443': write an IPv6 address as [::1]:443 (see --help)\n"),
        Arguments.of("no host", new String[] {"--online", "--target", ":443"},
            "pin-agent: --target ':443': expected host[:port], e.g. api.partner.example:8443 (see --help)\n"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badTargetUsage")
  void refusesBadTargetUsageSayingWhatToWrite(String guards, String[] options, String message) throws Exception {
    Path policy = policy("usage.yaml", localhostPinnedTo(INTERMEDIATE.pin(), ROOT.pin()));
    String[] args = new String[options.length + 2];
    args[0] = "check";
    args[1] = policy.toString();
    System.arraycopy(options, 0, args, 2, options.length);
    CliRunner.Result run = CliRunner.run(args);

    assertThat(run.status).isEqualTo(2);
    assertThat(run.err).isEqualTo(message);
  }

  /** localhost and 127.0.0.1: two hosts, both reaching a server on 127.0.0.1. */
  private static Path twoHostsPinned(String name) throws Exception {
    return policy(name, "version: 1\npin-sets:\n  - name: local\n    hosts: [localhost, 127.0.0.1]\n    pins: ["
        + INTERMEDIATE.pin() + ", " + ROOT.pin() + "]\n");
  }

  @Test
  void boundsEachHostByItsTimeoutWhenAServerDripsItsHandshake() throws Exception {
    try (DripServer drip = DripServer.start()) {
      Path policy = twoHostsPinned("drip.yaml");
      long start = System.nanoTime();
      CliRunner.Result run = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> CliRunner.run("check",
          policy.toString(), "--online", "--port", String.valueOf(drip.port()), "--timeout", "2"));
      long millis = (System.nanoTime() - start) / 1_000_000;

      assertThat(run.status).as(run.toString()).isEqualTo(1);
      assertThat(run.out).contains("warning: localhost:" + drip.port() + " (pin-set 'local') could not be checked: "
          + "java.net.SocketTimeoutException: localhost:" + drip.port() + " did not complete the TLS handshake "
          + "within 2 s").contains("warning: 127.0.0.1:" + drip.port() + " (pin-set 'local') could not be checked");
      assertThat(millis).as("milliseconds for two hosts checked side by side").isLessThan(3_900);
      assertThat(drip.mostHeldAtOnce()).isEqualTo(2);
    }
  }

  @Test
  void checksNoMoreHostsAtOnceThanAskedFor() throws Exception {
    try (DripServer drip = DripServer.start()) {
      long start = System.nanoTime();
      CliRunner.Result run = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> CliRunner.run("check",
          twoHostsPinned("drip-one.yaml").toString(), "--online", "--port", String.valueOf(drip.port()),
          "--timeout", "1", "--parallel", "1"));

      assertThat(run.status).as(run.toString()).isEqualTo(1);
      assertThat(drip.mostHeldAtOnce()).isEqualTo(1);
      assertThat((System.nanoTime() - start) / 1_000_000).as("milliseconds, one host after the other")
          .isGreaterThanOrEqualTo(2_000);
    }
  }

  @Test
  void stopsWhenItsBudgetForAllHostsRunsOut() throws Exception {
    try (DripServer drip = DripServer.start()) {
      long start = System.nanoTime();
      CliRunner.Result run = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> CliRunner.run("check",
          twoHostsPinned("drip-budget.yaml").toString(), "--online", "--port", String.valueOf(drip.port()),
          "--timeout", "30", "--budget", "1", "--format", "json"));

      assertThat(run.status).as(run.toString()).isEqualTo(1);
      assertThat(run.out).contains("\"result\": \"unchecked\"")
          .contains("localhost:" + drip.port() + " (pin-set 'local') was not checked: the --budget of 1 s for all "
              + "hosts ran out first");
      assertThat((System.nanoTime() - start) / 1_000_000).as("milliseconds").isLessThan(3_000);
    }
  }

  @Test
  void writesJsonForPipelines() throws Exception {
    CliRunner.Result run = online(policy("json.yaml", localhostPinnedTo(INTERMEDIATE.pin(), ROOT.pin())),
        "--format", "json");

    assertThat(run.status).isZero();
    assertThat(run.out).startsWith("{\n").contains("\"valid\": true").contains("\"result\": \"match\"")
        .contains("\"exitCode\": 0");
    CliRunner.Result invalid = CliRunner.run("check", policy("invalid.yaml", "version: 2\npin-sets: []\n").toString(),
        "--format", "json");
    assertThat(invalid.out).contains("\"valid\": false").contains("\"line\": 1").contains("\"path\": \"/version\"")
        .contains("\"exitCode\": 2");
  }

  @Test
  void explainsItselfWithHelpAndRefusesBadUsage() {
    assertThat(CliRunner.run("check", "--help").out).startsWith("usage: java -jar pin-agent.jar check");
    assertThat(CliRunner.run("--help").out).contains("pins <host[:port] | file>").contains("check <policy.yaml>");
    CliRunner.Result unknown = CliRunner.run("check", "p.yaml", "--onlin");
    assertThat(unknown.status).isEqualTo(2);
    assertThat(unknown.err).isEqualTo("pin-agent: unknown option --onlin (see --help)\n");
    assertThat(CliRunner.run("frobnicate").err).contains("unknown command 'frobnicate'");
  }
}
