package dev.pinagent.policy.yaml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pinagent.policy.HostPattern;
import dev.pinagent.policy.Mode;
import dev.pinagent.policy.Pin;
import dev.pinagent.policy.PinSet;
import dev.pinagent.policy.Policy;
import dev.pinagent.policy.PolicyException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PolicyLoaderTest {
  static final String PIN_A = "sha256/r/mIkG3eEpVdm+u/ko/cwxzOMo1bk4TyHIlByibiA5E=";
  static final String PIN_B = "sha256/YLh1dUR9y6Kja30RrAn7JKnbQG/uEtLMkBgFF2Fuihg=";

  /** A valid pin-set body; rows below change one thing in it. */
  static String policyWith(String setBody) {
    return "version: 1\npin-sets:\n  - name: payments\n" + setBody;
  }

  static final String HOSTS = "    hosts: [api.example.com]\n";
  static final String PINS = "    pins: [" + PIN_A + ", " + PIN_B + "]\n";

  @Test
  void loadsEveryFieldOfTheDocumentedExample() throws Exception {
    Policy policy = PolicyLoader.parse("pins.yaml", "version: 1\n"
        + "mode: report\n"
        + "pin-sets:\n"
        + "  - name: payments\n"
        + "    hosts:\n"
        + "      - api.payments.example.com\n"
        + "      - \"*.payments.example.com\"\n"
        + "      - \"**.internal.example.com\"\n"
        + "      - 10.0.0.7\n"
        + "    pins:\n"
        + "      - " + PIN_A + "\n"
        + "      - " + PIN_B + "   # backup pin\n"
        + "    mode: enforce\n"
        + "    expires: 2027-06-30\n"
        + "  - name: partner\n"
        + "    hosts: [partner.example.org]\n"
        + "    pins: [" + PIN_A + "]\n");

    assertThat(policy.defaultMode()).isEqualTo(Mode.REPORT);
    PinSet payments = policy.pinSets().get(0);
    assertThat(payments.name()).isEqualTo("payments");
    assertThat(payments.hosts()).extracting(HostPattern::toString).containsExactly(
        "api.payments.example.com", "*.payments.example.com", "**.internal.example.com", "10.0.0.7");
    assertThat(payments.pins()).containsExactly(Pin.parse(PIN_A), Pin.parse(PIN_B));
    assertThat(payments.mode()).isEqualTo(Mode.ENFORCE);
    assertThat(payments.expires()).contains(LocalDate.of(2027, 6, 30));
    PinSet partner = policy.pinSets().get(1);
    assertThat(partner.mode()).as("inherits the top-level mode").isEqualTo(Mode.REPORT);
    assertThat(partner.expires()).isEmpty();
  }

  @Test
  void readsASerialAndHasNoneWhenItIsAbsent() throws Exception {
    assertThat(PolicyLoader.parse("p.yaml", "version: 1\nserial: 202612011030\npin-sets: []\n").serial())
        .hasValue(202612011030L);
    assertThat(PolicyLoader.parse("p.yaml", "version: 1\npin-sets: []\n").serial()).isEmpty();
  }

  @Test
  void defaultsToEnforceMode() throws Exception {
    assertThat(PolicyLoader.parse("p.yaml", policyWith(HOSTS + PINS)).pinSets().get(0).mode())
        .isEqualTo(Mode.ENFORCE);
  }

  @Test
  void acceptsAnEmptyListOfPinSets() throws Exception {
    assertThat(PolicyLoader.parse("p.yaml", "version: 1\npin-sets: []\n").pinSets()).isEmpty();
  }

  @Test
  void sharesPinListsThroughAnchors() throws Exception {
    Policy policy = PolicyLoader.parse("p.yaml", "version: 1\npin-sets:\n"
        + "  - name: a\n    hosts: [a.example.com]\n    pins: &shared [" + PIN_A + ", " + PIN_B + "]\n"
        + "  - name: b\n    hosts: [b.example.com]\n    pins: *shared\n");
    assertThat(policy.pinSets().get(1).pins()).hasSize(2);
  }

  static Stream<Arguments> invalidPolicies() {
    return Stream.of(
        Arguments.of("empty file", "", "p.yaml: is empty"),
        Arguments.of("not a mapping", "- a\n", "p.yaml:1: /: expected a mapping of mode, pin-sets, serial, version, got a list"),
        Arguments.of("missing version", "pin-sets: []\n", "p.yaml:1: /: missing required key 'version'"),
        Arguments.of("unsupported version", "version: 2\npin-sets: []\n",
            "p.yaml:1: /version: unsupported version '2'; this agent reads version 1"),
        Arguments.of("version as text", "version: \"1\"\npin-sets: []\n",
            "p.yaml:1: /version: expected the integer 1, got text '1'"),
        Arguments.of("missing pin-sets", "version: 1\n", "p.yaml:1: /: missing required key 'pin-sets'"),
        Arguments.of("unknown top-level key", "version: 1\npinsets: []\n",
            "p.yaml:2: /pinsets: unknown key 'pinsets' (did you mean 'pin-sets'?)"),
        Arguments.of("serial as text", "version: 1\nserial: \"12\"\npin-sets: []\n",
            "p.yaml:2: /serial: expected a whole number such as 202612011030, got text '12'"),
        Arguments.of("negative serial", "version: 1\nserial: -1\npin-sets: []\n",
            "p.yaml:2: /serial: expected a whole number of 1 to 18 decimal digits such as 202612011030, got '-1'"),
        Arguments.of("hex serial, which YAML reads as a number", "version: 1\nserial: 0x1f\npin-sets: []\n",
            "p.yaml:2: /serial: expected a whole number of 1 to 18 decimal digits"),
        Arguments.of("serial too long for a long", "version: 1\nserial: 1234567890123456789\npin-sets: []\n",
            "p.yaml:2: /serial: expected a whole number of 1 to 18 decimal digits"),
        Arguments.of("bad top-level mode", "version: 1\nmode: block\npin-sets: []\n",
            "p.yaml:2: /mode: expected 'enforce' or 'report', got 'block'"),
        Arguments.of("pin-sets not a list", "version: 1\npin-sets: {}\n",
            "p.yaml:2: /pin-sets: expected a list of pin-sets, got a mapping"),
        Arguments.of("typo pin for pins", policyWith(HOSTS + "    pin: [" + PIN_A + "]\n"),
            "p.yaml:5: /pin-sets/0/pin: unknown key 'pin' (did you mean 'pins'?); expected one of: expires, hosts, mode, name, pins"),
        Arguments.of("typo host for hosts", policyWith("    host: [a.example.com]\n" + PINS),
            "p.yaml:4: /pin-sets/0/host: unknown key 'host' (did you mean 'hosts'?)"),
        Arguments.of("missing name", "version: 1\npin-sets:\n  - hosts: [a.example.com]\n" + PINS,
            "p.yaml:3: /pin-sets/0: missing required key 'name'"),
        Arguments.of("missing hosts", policyWith(PINS), "p.yaml:3: /pin-sets/0: missing required key 'hosts'"),
        Arguments.of("missing pins", policyWith(HOSTS), "p.yaml:3: /pin-sets/0: missing required key 'pins'"),
        Arguments.of("empty hosts", policyWith("    hosts: []\n" + PINS),
            "p.yaml:4: /pin-sets/0/hosts: expected a list of host patterns with at least one entry, got an empty list"),
        Arguments.of("empty pins", policyWith(HOSTS + "    pins: []\n"),
            "p.yaml:5: /pin-sets/0/pins: expected a list of pins with at least one entry"),
        Arguments.of("pins with no value", policyWith(HOSTS + "    pins:\n"),
            "p.yaml:5: /pin-sets/0/pins: expected a list of pins, got nothing"),
        Arguments.of("hosts as a single string", policyWith("    hosts: a.example.com\n" + PINS),
            "p.yaml:4: /pin-sets/0/hosts: expected a list of host patterns, got text 'a.example.com'"),
        Arguments.of("name as a number", "version: 1\npin-sets:\n  - name: 2024\n" + HOSTS + PINS,
            "p.yaml:3: /pin-sets/0/name: expected a pin-set name, got number '2024' (quote it to make it text)"),
        Arguments.of("name with spaces", "version: 1\npin-sets:\n  - name: my payments\n" + HOSTS + PINS,
            "p.yaml:3: /pin-sets/0/name: expected a name of 1 to 64 letters, digits, '_', '.' or '-'"),
        Arguments.of("sha1 pin", policyWith(HOSTS + "    pins: [sha1/abc=]\n"),
            "p.yaml:5: /pin-sets/0/pins/0: expected 'sha256/<base64 of 32 bytes, 44 chars>', got 'sha1/abc=': sha1 pins are refused as weak"),
        Arguments.of("md5 pin", policyWith(HOSTS + "    pins:\n      - " + PIN_A + "\n      - md5/abc\n"),
            "p.yaml:7: /pin-sets/0/pins/1: expected 'sha256/<base64 of 32 bytes, 44 chars>', got 'md5/abc'"),
        Arguments.of("pin of wrong length", policyWith(HOSTS + "    pins: [sha256/AAAA]\n"),
            "p.yaml:5: /pin-sets/0/pins/0: expected 'sha256/<base64 of 32 bytes, 44 chars>', got 'sha256/AAAA': decodes to 3 bytes, not 32"),
        Arguments.of("pin not base64", policyWith(HOSTS + "    pins: [\"sha256/!!notbase64!!\"]\n"),
            "p.yaml:5: /pin-sets/0/pins/0: expected 'sha256/<base64 of 32 bytes, 44 chars>', got 'sha256/!!notbase64!!': not valid base64"),
        Arguments.of("duplicate pin", policyWith(HOSTS + "    pins:\n      - " + PIN_A + "\n      - " + PIN_A + "\n"),
            "p.yaml:7: /pin-sets/0/pins/1: '" + PIN_A + "' is listed twice; remove one"),
        Arguments.of("duplicate host in a set", policyWith("    hosts: [a.example.com, A.example.com.]\n" + PINS),
            "p.yaml:4: /pin-sets/0/hosts/1: 'a.example.com' is listed twice; remove one"),
        Arguments.of("bad wildcard", policyWith("    hosts: [\"api*.example.com\"]\n" + PINS),
            "p.yaml:4: /pin-sets/0/hosts/0: expected a host ('api.example.com'), '*.example.com', '**.example.com' or an IP literal, got 'api*.example.com': a wildcard may only be the whole first label"),
        Arguments.of("wildcard in the middle", policyWith("    hosts: [\"a.*.example.com\"]\n" + PINS),
            "p.yaml:4: /pin-sets/0/hosts/0: expected a host ('api.example.com'), '*.example.com', '**.example.com' or an IP literal, got 'a.*.example.com': a wildcard may only be the whole first label"),
        Arguments.of("IDN that IDNA2003 and IDNA2008 read as two hosts",
            policyWith("    hosts:\n      - api.example.com\n      - faß.example.com\n" + PINS),
            "p.yaml:6: /pin-sets/0/hosts/1: 'faß.example.com' is read differently by IDNA2003 (fass.example.com) "
                + "and IDNA2008 (xn--fa-hia.example.com); write the name in its punycode form, e.g. "
                + "'xn--fa-hia.example.com'"),
        Arguments.of("empty label", policyWith("    hosts: [a..example.com]\n" + PINS),
            "p.yaml:4: /pin-sets/0/hosts/0: expected a host"),
        Arguments.of("unquoted wildcard", policyWith("    hosts: [*.example.com]\n" + PINS),
            "p.yaml:4: invalid YAML: quote wildcard patterns: \"*.example.com\""),
        Arguments.of("unquoted wildcard in a block list",
            policyWith("    hosts:\n      - api.example.com\n      - *.example.com\n" + PINS),
            "p.yaml:6: invalid YAML: quote wildcard patterns: \"*.example.com\""),
        Arguments.of("unquoted wildcard after a quoted one",
            policyWith("    hosts: [\"*.a.example\", *.b.example]\n" + PINS),
            "p.yaml:4: invalid YAML: quote wildcard patterns: \"*.b.example\""),
        Arguments.of("unquoted double wildcard", policyWith("    hosts: [**.example.com]\n" + PINS),
            "p.yaml:4: invalid YAML: quote wildcard patterns: \"**.example.com\""),
        Arguments.of("unquoted wildcard as the only host", policyWith("    hosts: *.example.com\n" + PINS),
            "p.yaml:4: invalid YAML: quote wildcard patterns: \"*.example.com\""),
        Arguments.of("bad mode in a set", policyWith(HOSTS + PINS + "    mode: audit\n"),
            "p.yaml:6: /pin-sets/0/mode: expected 'enforce' or 'report', got 'audit'"),
        Arguments.of("bad expiry date", policyWith(HOSTS + PINS + "    expires: 2027-13-01\n"),
            "p.yaml:6: /pin-sets/0/expires: expected a date YYYY-MM-DD (UTC), got '2027-13-01'"),
        Arguments.of("expiry with a time", policyWith(HOSTS + PINS + "    expires: 2027-06-30T10:00:00Z\n"),
            "p.yaml:6: /pin-sets/0/expires: expected a date YYYY-MM-DD (UTC), got '2027-06-30T10:00:00Z'"),
        Arguments.of("duplicate name",
            policyWith(HOSTS + PINS) + "  - name: payments\n    hosts: [b.example.com]\n" + PINS,
            "p.yaml:6: /pin-sets/1/name: the name 'payments' is already used by another pin-set"),
        Arguments.of("host claimed by two sets",
            policyWith(HOSTS + PINS) + "  - name: other\n    hosts: [b.example.com, API.example.com]\n" + PINS,
            "p.yaml:7: /pin-sets/1/hosts/1: 'api.example.com' is already covered by pin-set 'payments'"),
        Arguments.of("duplicate key", policyWith(HOSTS + PINS + HOSTS),
            "p.yaml:6: /pin-sets/0/hosts: duplicate key 'hosts' (first on line 4); keep one"),
        Arguments.of("arbitrary type tag (CVE-2022-1471)",
            "version: 1\npin-sets: !!javax.script.ScriptEngineManager [!!java.net.URLClassLoader [[!!java.net.URL [\"http://127.0.0.1/\"]]]]\n",
            "p.yaml:2: invalid YAML: Global tag is not allowed: tag:yaml.org,2002:javax.script.ScriptEngineManager"),
        Arguments.of("custom local tag", policyWith(HOSTS + "    pins: !pins [" + PIN_A + "]\n"),
            "p.yaml:5: /pin-sets/0/pins: the tag '!pins' is not allowed"),
        Arguments.of("merge key", "version: 1\npin-sets:\n  - <<: {name: a}\n" + HOSTS + PINS,
            "p.yaml:3: /pin-sets/0: merge keys ('<<') are not supported"),
        Arguments.of("two documents", "version: 1\npin-sets: []\n---\nversion: 1\n", "p.yaml:3: invalid YAML"),
        Arguments.of("broken syntax", "version: 1\npin-sets: [\n", "p.yaml:3: invalid YAML"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidPolicies")
  void refusesWithFileLinePathAndWhatIsExpected(String guards, String yaml, String message) {
    assertThatThrownBy(() -> PolicyLoader.parse("p.yaml", yaml))
        .isInstanceOf(PolicyException.class)
        .hasMessageStartingWith(message);
  }

  @Test
  void refusesAMissingFileSayingWhatToDo(@TempDir Path directory) {
    Path missing = directory.resolve("pins.yaml");
    assertThatThrownBy(() -> PolicyLoader.load(missing))
        .isInstanceOf(PolicyException.class)
        .hasMessage(missing + ": no such file; set policy= to the path of an existing policy file");
  }

  @Test
  void saysWhereARelativePathWasLookedFor() {
    Path relative = Path.of("no-such-dir", "pins.yaml");
    assertThatThrownBy(() -> PolicyLoader.load(relative))
        .isInstanceOf(PolicyException.class)
        .hasMessage(relative + ": no such file (looked for " + relative.toAbsolutePath() + ": a relative path is "
            + "resolved against the working directory " + Path.of("").toAbsolutePath() + "); set policy= to the "
            + "path of an existing policy file");
  }

  @Test
  void refusesADirectory(@TempDir Path directory) {
    assertThatThrownBy(() -> PolicyLoader.load(directory))
        .hasMessage(directory + ": is a directory; expected a policy file");
  }

  @Test
  void refusesADeviceThatWouldNeverEnd() {
    assertThatThrownBy(() -> PolicyLoader.load(java.nio.file.Paths.get("/dev/zero")))
        .hasMessage("/dev/zero: is not a regular file; expected a policy file");
  }

  @Test
  void refusesAFileThatIsNotUtf8(@TempDir Path directory) throws Exception {
    Path file = Files.write(directory.resolve("p.yaml"), new byte[] {'v', (byte) 0xff, (byte) 0xfe, '\n'});
    assertThatThrownBy(() -> PolicyLoader.load(file)).hasMessageContaining("is not UTF-8 text");
  }

  @Test
  void refusesAnOversizedFileBeforeParsingIt(@TempDir Path directory) throws Exception {
    Path file = directory.resolve("p.yaml");
    Files.write(file, new byte[PolicyLoader.MAX_FILE_BYTES + 1]);
    assertThatThrownBy(() -> PolicyLoader.load(file)).hasMessageContaining("is larger than");
  }

  @Test
  void loadsAFileByPath(@TempDir Path directory) throws Exception {
    Path file = Files.write(directory.resolve("p.yaml"),
        policyWith(HOSTS + PINS).getBytes(StandardCharsets.UTF_8));
    assertThat(PolicyLoader.load(file).pinSets()).hasSize(1);
  }

  @Test
  void refusesBillionLaughsQuickly() {
    StringBuilder yaml = new StringBuilder("version: 1\nlol0: &l0 [lol]\n");
    for (int i = 1; i < 30; i++) {
      yaml.append("lol").append(i).append(": &l").append(i).append(" [");
      for (int j = 0; j < 9; j++) {
        yaml.append(j == 0 ? "" : ", ").append("*l").append(i - 1);
      }
      yaml.append("]\n");
    }
    yaml.append("pin-sets: []\n");
    long start = System.nanoTime();
    assertThatThrownBy(() -> PolicyLoader.parse("p.yaml", yaml.toString())).isInstanceOf(PolicyException.class);
    assertThat((System.nanoTime() - start) / 1_000_000).as("milliseconds").isLessThan(1000);
  }
}
