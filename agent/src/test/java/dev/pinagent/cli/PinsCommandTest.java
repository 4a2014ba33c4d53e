package dev.pinagent.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.pinagent.policy.Policy;
import dev.pinagent.policy.yaml.PolicyLoader;
import dev.pinagent.testing.DripServer;
import dev.pinagent.testing.TestPki;
import dev.pinagent.testing.TestTlsServer;
import dev.pinagent.verify.Printable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PinsCommandTest {
  private static final TestPki.Issued ROOT = TestPki.ca("CN=Tool Root").build();
  private static final TestPki.Issued INTERMEDIATE = TestPki.ca("CN=Tool Issuing CA").pathLength(0)
      .issuedBy(ROOT).build();
  private static final TestPki.Issued LEAF = TestPki.leaf("localhost").dns("localhost").issuedBy(INTERMEDIATE)
      .build();
  private static final TestPki.Issued STRAY = TestPki.ca("CN=Stray CA").build();
  private static TestTlsServer server;
  private static TestTlsServer appended;

  @TempDir
  static Path directory;
  private static Path trustingRoot;
  private static Path trustingOther;

  @BeforeAll
  static void start() {
    server = TestTlsServer.start(LEAF.keyPair.getPrivate(), LEAF.certificate, INTERMEDIATE.certificate);
    appended = TestTlsServer.start(LEAF.keyPair.getPrivate(), LEAF.certificate, INTERMEDIATE.certificate,
        STRAY.certificate);
    trustingRoot = TestPki.write(TestPki.trustStore(ROOT.certificate), directory.resolve("root.p12"));
    trustingOther = TestPki.write(TestPki.trustStore(STRAY.certificate), directory.resolve("other.p12"));
  }

  @AfterAll
  static void stop() {
    server.close();
    appended.close();
  }

  private static String target(TestTlsServer tls) {
    return "localhost:" + tls.port();
  }

  @Test
  void listsTheServersChainWithTheRootTheTrustStoreSupplies() {
    CliRunner.Result run = CliRunner.run("pins", target(server), "--truststore", trustingRoot.toString(),
        "--truststore-password", "changeit");

    assertThat(run.status).as(run.toString()).isZero();
    assertThat(run.out)
        .contains("Certificate chain of localhost:" + server.port())
        .contains("TRUSTED by the trust store")
        .contains("The leaf certificate names localhost")
        .containsSubsequence("0  subject    CN=localhost", "key        EC 256", "pin        " + LEAF.pin(),
            "source     sent",
            "1  subject    CN=Tool Issuing CA", "pin        " + INTERMEDIATE.pin(), "source     sent",
            "2  subject    CN=Tool Root", "pin        " + ROOT.pin(), "source     supplied by the trust store");
  }

  @Test
  void listsTheChainOfAServerTheJvmDoesNotTrustAndSaysSo() {
    CliRunner.Result run = CliRunner.run("pins", target(server), "--truststore", trustingOther.toString(),
        "--truststore-password", "changeit");

    assertThat(run.status).as(run.toString()).isZero();
    assertThat(run.out).contains("NOT TRUSTED by the trust store: ")
        .contains("pin        " + LEAF.pin()).contains("pin        " + INTERMEDIATE.pin())
        .doesNotContain(ROOT.pin());
  }

  @Test
  void marksSentCertificatesThatAreNotOnThePath() {
    CliRunner.Result run = CliRunner.run("pins", target(appended), "--truststore", trustingRoot.toString(),
        "--truststore-password", "changeit");

    assertThat(run.out).containsSubsequence("-  subject    CN=Stray CA", "pin        " + STRAY.pin(),
        "sent, but not on the path from the leaf: never counts as a match");
  }

  @Test
  void printsAPinSetReadyToPasteIntoAPolicy() throws Exception {
    CliRunner.Result run = CliRunner.run("pins", target(server), "--format", "yaml", "--truststore", trustingRoot.toString(),
        "--truststore-password", "changeit");

    assertThat(run.status).as(run.toString()).isZero();
    assertThat(run.out).startsWith("# TRUSTED by the trust store (PKIX; the host name is not part of this verdict)\n");
    assertThat(run.out).contains("  - name: localhost\n    hosts: [localhost]\n    pins:\n"
        + "      - " + INTERMEDIATE.pin() + "   # the leaf's issuer: CN=Tool Issuing CA\n"
        + "      - " + ROOT.pin() + "   # the root: CN=Tool Root\n");
    Policy pasted = PolicyLoader.parse("pasted.yaml", "version: 1\npin-sets:\n" + run.out);
    assertThat(pasted.pinSets()).hasSize(1);
  }

  /** A CA whose subject forges a verdict line, and a pin line for YAML that is pasted into a policy. */
  private static final String FORGED_PIN = TestPki.randomPin();
  private static final TestPki.Issued FORGING_ROOT = TestPki.ca("CN=Forging Root").build();
  private static final TestPki.Issued FORGING_CA = TestPki.ca("CN=Forging CA\n  TRUSTED by the trust store\r"
      + "\n      - " + FORGED_PIN.replace("+", "\\+").replace("=", "") + "\u0085      - x\u2028\u001b[0m\u0007")
      .issuedBy(FORGING_ROOT).build();
  private static final TestPki.Issued FORGING_LEAF = TestPki.leaf("localhost").dns("localhost")
      .issuedBy(FORGING_CA).build();

  @Test
  void escapesControlCharactersInNamesSoNoneForgesALineOfText() throws Exception {
    try (TestTlsServer forging = TestTlsServer.start(FORGING_LEAF.keyPair.getPrivate(), FORGING_LEAF.certificate,
        FORGING_CA.certificate)) {
      CliRunner.Result run = CliRunner.run("pins", target(forging), "--truststore", trustingOther.toString(),
          "--truststore-password", "changeit");

      assertThat(run.out).as(run.toString()).contains("NOT TRUSTED by the trust store")
          .contains("1  subject    CN=Forging CA\\n  TRUSTED by the trust store\\r\\n      - ")
          .contains("\\u0085      - x\\u2028\\u001b[0m\\u0007");
      assertThat(run.out.split("\n")).noneMatch(line -> line.startsWith("  TRUSTED"))
          .allSatisfy(line -> assertThat(line.chars()).noneMatch(c -> Printable.needsEscape(c)));
    }
  }

  @Test
  void writesYamlThatLoadsToExactlyTheIntendedPinsWhateverTheNamesHold() throws Exception {
    Path trustingForger = TestPki.write(TestPki.trustStore(FORGING_ROOT.certificate),
        directory.resolve("forging-root.p12"));
    try (TestTlsServer forging = TestTlsServer.start(FORGING_LEAF.keyPair.getPrivate(), FORGING_LEAF.certificate,
        FORGING_CA.certificate)) {
      CliRunner.Result run = CliRunner.run("pins", target(forging), "--format", "yaml", "--truststore",
          trustingForger.toString(), "--truststore-password", "changeit");

      assertThat(run.status).as(run.toString()).isZero();
      Policy pasted = PolicyLoader.parse("pasted.yaml", "version: 1\npin-sets:\n" + run.out);
      assertThat(pasted.pinSets()).singleElement().satisfies(set -> {
        assertThat(set.pinList()).extracting(Object::toString)
            .containsExactly(FORGING_CA.pin(), FORGING_ROOT.pin());
        assertThat(set.hosts()).extracting(Object::toString).containsExactly("localhost");
      });
      assertThat(run.out.split("\n")).filteredOn(line -> line.contains("Forging CA"))
          .singleElement().asString().startsWith("      - " + FORGING_CA.pin() + "   # the leaf's issuer: ");
    }
  }

  @Test
  void refusesAPinSetNameThePolicyWouldRefuse() {
    CliRunner.Result run = CliRunner.run("pins", target(server), "--format", "yaml", "--name", "x]\n  - name: y");

    assertThat(run.status).isEqualTo(2);
    assertThat(run.err).startsWith("pin-agent: --name must be 1 to 64 letters").contains("x]\\n  - name: y")
        .endsWith(" (see --help)\n");
  }

  @Test
  void putsTheVerdictOnTopOfTheYamlAndExitsNonZeroForAChainTheJvmRefuses() throws Exception {
    CliRunner.Result refused = CliRunner.run("pins", target(server), "--format", "yaml", "--truststore",
        trustingOther.toString(), "--truststore-password", "changeit");
    CliRunner.Result accepted = CliRunner.run("pins", target(server), "--format", "yaml", "--truststore",
        trustingOther.toString(), "--truststore-password", "changeit", "--accept-untrusted");

    assertThat(refused.status).as(refused.toString()).isEqualTo(1);
    assertThat(refused.out).startsWith("# NOT TRUSTED by the trust store: ")
        .contains("\n# The JVM refuses this chain before any pin is checked");
    assertThat(refused.err).startsWith("pin-agent: NOT TRUSTED by the trust store: ")
        .contains("pass --accept-untrusted");
    assertThat(accepted.status).as(accepted.toString()).isZero();
    assertThat(accepted.out).isEqualTo(refused.out);
    assertThat(PolicyLoader.parse("pasted.yaml", "version: 1\npin-sets:\n" + accepted.out).pinSets()).hasSize(1);
  }

  @Test
  void namesTheExpiredIssuerInsteadOfSayingTheChainHasNoIssuer() throws Exception {
    java.time.Instant longAgo = java.time.Instant.now().minus(java.time.Duration.ofDays(400));
    TestPki.Issued expired = TestPki.ca("CN=Expired Issuing CA").issuedBy(ROOT)
        .validity(longAgo, longAgo.plus(java.time.Duration.ofDays(30))).build();
    TestPki.Issued leaf = TestPki.leaf("localhost").dns("localhost").issuedBy(expired).build();
    try (TestTlsServer stale = TestTlsServer.start(leaf.keyPair.getPrivate(), leaf.certificate,
        expired.certificate)) {
      CliRunner.Result yaml = CliRunner.run("pins", target(stale), "--format", "yaml", "--truststore",
          trustingRoot.toString(), "--truststore-password", "changeit");
      CliRunner.Result text = CliRunner.run("pins", target(stale), "--truststore", trustingRoot.toString(),
          "--truststore-password", "changeit");

      String why = "the leaf's issuer CN=Expired Issuing CA on the path expired on "
          + expired.certificate.getNotAfter().toInstant();
      assertThat(yaml.status).as(yaml.toString()).isEqualTo(1);
      assertThat(yaml.out).startsWith("# NOT TRUSTED by the trust store: ")
          .contains("\n# T" + why.substring(1) + "\n")
          .doesNotContain("the chain has no issuer");
      assertThat(text.out).contains("  NOT TRUSTED by the trust store: ").contains("  T" + why.substring(1) + "\n");
    }
  }

  @Test
  void saysSoWhenTheLeafIsOutOfItsValidity() throws Exception {
    java.time.Instant later = java.time.Instant.now().plus(java.time.Duration.ofDays(10));
    TestPki.Issued early = TestPki.leaf("localhost").dns("localhost").issuedBy(INTERMEDIATE)
        .validity(later, later.plus(java.time.Duration.ofDays(30))).build();
    try (TestTlsServer notYet = TestTlsServer.start(early.keyPair.getPrivate(), early.certificate,
        INTERMEDIATE.certificate)) {
      CliRunner.Result yaml = CliRunner.run("pins", target(notYet), "--format", "yaml", "--truststore",
          trustingRoot.toString(), "--truststore-password", "changeit");

      assertThat(yaml.status).as(yaml.toString()).isEqualTo(1);
      assertThat(yaml.out).contains("\n# The leaf certificate CN=localhost is not valid before "
          + early.certificate.getNotBefore().toInstant() + "\n");
    }
  }

  @Test
  void printsJsonForScripts() {
    CliRunner.Result run = CliRunner.run("pins", target(server), "--format", "json", "--truststore", trustingRoot.toString(),
        "--truststore-password", "changeit");

    assertThat(run.out).startsWith("{\n").contains("\"trusted\": true").contains("\"position\": 2")
        .contains("\"pin\": \"" + ROOT.pin() + "\"").contains("\"source\": \"truststore\"")
        .contains("\"trustAnchor\": true");
  }

  @Test
  void readsAPemChainADerCertificateAndAKeyStore() throws Exception {
    Path pem = directory.resolve("chain.pem");
    Files.write(pem, (pem(LEAF) + pem(INTERMEDIATE)).getBytes(StandardCharsets.US_ASCII));
    Path der = Files.write(directory.resolve("leaf.der"), LEAF.certificate.getEncoded());
    Path keyStore = TestPki.write(TestPki.keyStore(LEAF.keyPair.getPrivate(), LEAF.certificate,
        INTERMEDIATE.certificate), directory.resolve("server.p12"));

    CliRunner.Result fromPem = CliRunner.run("pins", pem.toString(), "--truststore", trustingRoot.toString(),
        "--truststore-password", "changeit");
    CliRunner.Result fromDer = CliRunner.run("pins", der.toString());
    CliRunner.Result fromKeyStore = CliRunner.run("pins", keyStore.toString(), "--storepass", "changeit");

    assertThat(fromPem.out).as(fromPem.toString()).contains(LEAF.pin()).contains(INTERMEDIATE.pin())
        .contains(ROOT.pin()).contains("TRUSTED");
    assertThat(fromDer.out).as(fromDer.toString()).contains(LEAF.pin());
    assertThat(fromKeyStore.out).as(fromKeyStore.toString()).contains(LEAF.pin()).contains(INTERMEDIATE.pin());
  }

  @Test
  void givesAPinForEveryCertificateOfAFileOfCaCertificatesLabelledByWhatItIs() throws Exception {
    Path caFile = Files.write(directory.resolve("new-ca.pem"),
        (pem(INTERMEDIATE) + pem(ROOT)).getBytes(StandardCharsets.US_ASCII));

    CliRunner.Result text = CliRunner.run("pins", caFile.toString());
    CliRunner.Result yaml = CliRunner.run("pins", caFile.toString(), "--format", "yaml", "--name", "partner");

    assertThat(text.status).as(text.toString()).isZero();
    assertThat(text.out).contains("Not a server chain: a pin for each certificate")
        .containsSubsequence("0  subject    CN=Tool Issuing CA", "is         CA certificate (issued by another CA)",
            "pin        " + INTERMEDIATE.pin(),
            "1  subject    CN=Tool Root", "is         CA certificate (self-signed: a root)", "pin        " + ROOT.pin())
        .doesNotContain("leaf");
    assertThat(yaml.status).as(yaml.toString()).isZero();
    assertThat(yaml.out).contains("    hosts: []   # a CA file names no host: write the host(s) to pin here\n"
        + "    pins:\n"
        + "      - " + INTERMEDIATE.pin() + "   # CA certificate (issued by another CA): CN=Tool Issuing CA\n"
        + "      - " + ROOT.pin() + "   # CA certificate (self-signed: a root): CN=Tool Root\n")
        .doesNotContain("leaf");
  }

  @Test
  void neverMakesAHostOfASubjectCommonName() throws Exception {
    Path singleCa = Files.write(directory.resolve("issuing-ca.pem"),
        pem(INTERMEDIATE).getBytes(StandardCharsets.US_ASCII));
    TestPki.Issued noNames = TestPki.leaf("Partner Gateway").issuedBy(INTERMEDIATE).build();
    Path leafWithoutNames = Files.write(directory.resolve("gateway.pem"),
        (pem(noNames) + pem(INTERMEDIATE)).getBytes(StandardCharsets.US_ASCII));

    CliRunner.Result ca = CliRunner.run("pins", singleCa.toString(), "--format", "yaml");
    CliRunner.Result leaf = CliRunner.run("pins", leafWithoutNames.toString(), "--format", "yaml",
        "--accept-untrusted");

    assertThat(ca.out).as(ca.toString()).contains("    hosts: []").doesNotContain("hosts: [Tool")
        .contains("      - " + INTERMEDIATE.pin() + "   # CA certificate (issued by another CA): CN=Tool Issuing CA\n")
        .doesNotContain("the leaf's own key");
    assertThat(leaf.out).as(leaf.toString()).contains("    hosts: []   # the leaf names no valid host pattern")
        .doesNotContain("Partner Gateway]");
  }

  @Test
  void printsPinLinesToPasteIntoTheListOfAnExistingSet() throws Exception {
    Path caFile = Files.write(directory.resolve("paste-ca.pem"),
        (pem(INTERMEDIATE) + pem(ROOT) + pem(FORGING_CA)).getBytes(StandardCharsets.US_ASCII));

    CliRunner.Result run = CliRunner.run("pins", caFile.toString(), "--format", "pins");

    assertThat(run.status).as(run.toString()).isZero();
    assertThat(run.out.split("\n")).hasSize(3).allSatisfy(line -> assertThat(line).startsWith("- sha256/"));
    assertThat(run.out).startsWith("- " + INTERMEDIATE.pin() + "   # CN=Tool Issuing CA, not after "
        + INTERMEDIATE.certificate.getNotAfter().toInstant() + "\n- " + ROOT.pin() + "   # CN=Tool Root, not after ");
    String existing = "version: 1\npin-sets:\n  - name: partner\n    hosts: [api.partner.example]\n    pins:\n"
        + "      - " + LEAF.pin() + "\n" + run.out.replaceAll("(?m)^", "      ");
    assertThat(PolicyLoader.parse("pasted.yaml", existing).pinSets()).singleElement()
        .satisfies(set -> assertThat(set.pinList()).extracting(Object::toString)
            .containsExactly(LEAF.pin(), INTERMEDIATE.pin(), ROOT.pin(), FORGING_CA.pin()));
  }

  @Test
  void exitsNonZeroForPinLinesOfAChainTheJvmRefusesAsForYaml() {
    CliRunner.Result run = CliRunner.run("pins", target(server), "--format", "pins", "--truststore",
        trustingOther.toString(), "--truststore-password", "changeit");

    assertThat(run.status).as(run.toString()).isEqualTo(1);
    assertThat(run.out).contains("- " + INTERMEDIATE.pin());
    assertThat(run.err).startsWith("pin-agent: NOT TRUSTED by the trust store: ")
        .contains("; the pins are printed all the same; pass --accept-untrusted");
  }

  @Test
  void printsThePinsOfAServersChainAsLinesTooAsTheYamlWouldPinThem() {
    CliRunner.Result run = CliRunner.run("pins", target(server), "--format", "pins", "--truststore",
        trustingRoot.toString(), "--truststore-password", "changeit");

    assertThat(run.status).as(run.toString()).isZero();
    assertThat(run.out).isEqualTo("- " + INTERMEDIATE.pin() + "   # CN=Tool Issuing CA, not after "
        + INTERMEDIATE.certificate.getNotAfter().toInstant() + "\n- " + ROOT.pin() + "   # CN=Tool Root, not after "
        + ROOT.certificate.getNotAfter().toInstant() + "\n");
  }

  @Test
  void failsClearlyWhenTheChainCannotBeRead(@TempDir Path empty) throws Exception {
    Path notACertificate = Files.write(empty.resolve("notes.txt"), "hello".getBytes(StandardCharsets.US_ASCII));

    CliRunner.Result unreachable = CliRunner.run("pins", "127.0.0.1:1", "--timeout", "2");
    CliRunner.Result garbage = CliRunner.run("pins", notACertificate.toString());
    CliRunner.Result badPort = CliRunner.run("pins", "localhost:http");

    assertThat(unreachable.status).isEqualTo(2);
    assertThat(unreachable.err).startsWith("pin-agent: pins failed: java.net.ConnectException");
    assertThat(garbage.status).isEqualTo(2);
    assertThat(garbage.err).contains("is not a PEM or DER certificate file");
    assertThat(badPort.err).contains("the port must be a number from 1 to 65535");
  }

  @Test
  void givesUpOnAServerThatDripsItsHandshakeWhenItsTimeoutEnds() {
    try (DripServer drip = DripServer.start()) {
      long start = System.nanoTime();
      CliRunner.Result run = assertTimeoutPreemptively(Duration.ofSeconds(20),
          () -> CliRunner.run("pins", "127.0.0.1:" + drip.port(), "--timeout", "2"));

      assertThat(run.status).isEqualTo(2);
      assertThat(run.err).isEqualTo("pin-agent: pins failed: java.net.SocketTimeoutException: 127.0.0.1:"
          + drip.port() + " did not complete the TLS handshake within 2 s (--timeout bounds name lookup, connect "
          + "and handshake together)\n");
      assertThat((System.nanoTime() - start) / 1_000_000).as("milliseconds").isLessThan(3_500);
    }
  }

  @Test
  void explainsItselfWithHelp() {
    CliRunner.Result help = CliRunner.run("pins", "--help");
    assertThat(help.status).isZero();
    assertThat(help.out).startsWith("usage: java -jar pin-agent.jar pins").contains("--format text|yaml|pins|json");
  }

  private static String pem(TestPki.Issued issued) throws Exception {
    return "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'})
        .encodeToString(issued.certificate.getEncoded()) + "\n-----END CERTIFICATE-----\n";
  }
}
