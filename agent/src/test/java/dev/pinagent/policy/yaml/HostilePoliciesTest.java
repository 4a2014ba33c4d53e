package dev.pinagent.policy.yaml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pinagent.policy.PolicyException;
import dev.pinagent.testing.TimeBounded;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Files written to attack the parser: each is refused, fast, with a message that says what was refused. */
class HostilePoliciesTest {
  static String billionLaughs() {
    StringBuilder yaml = new StringBuilder("version: 1\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for (int i = 1; i < 40; i++) {
      yaml.append('a').append(i).append(": &a").append(i).append(" [");
      for (int j = 0; j < 9; j++) {
        yaml.append(j == 0 ? "" : ", ").append("*a").append(i - 1);
      }
      yaml.append("]\n");
    }
    return yaml.append("pin-sets: []\n").toString();
  }

  static Stream<Arguments> hostileFiles() {
    return Stream.of(
        Arguments.of("arbitrary type construction (CVE-2022-1471)",
            "version: 1\npin-sets: !!javax.script.ScriptEngineManager [!!java.net.URLClassLoader "
                + "[[!!java.net.URL [\"http://127.0.0.1/\"]]]]\n",
            "p.yaml:2: invalid YAML: Global tag is not allowed"),
        Arguments.of("custom local tag", "version: 1\npin-sets: !custom []\n",
            "p.yaml:2: /pin-sets: the tag '!custom' is not allowed"),
        Arguments.of("billion laughs", billionLaughs(),
            "p.yaml: refused: Number of aliases for non-scalar nodes exceeds the specified max=100"),
        Arguments.of("recursive alias", "version: 1\npin-sets: &loop [*loop]\n",
            "p.yaml:2: /pin-sets/0: expected a mapping of expires, hosts, mode, name, pins, got a list"),
        Arguments.of("deep nesting", "version: 1\npin-sets: " + "[".repeat(5_000) + "]".repeat(5_000) + "\n",
            "p.yaml: refused: Nesting Depth exceeded max 16"),
        Arguments.of("oversized document", "version: 1\n#" + "x".repeat(PolicyLoader.MAX_FILE_BYTES) + "\n",
            "p.yaml: is larger than"),
        Arguments.of("duplicate keys", "version: 1\nversion: 1\npin-sets: []\n",
            "p.yaml:2: /version: duplicate key 'version' (first on line 1); keep one"),
        // SnakeYAML's reader takes time in the square of a token's length: these took 11 s each.
        Arguments.of("a 4 MiB comment line before the policy", "#" + "x".repeat(FOUR_MIB) + "\n" + VALID,
            "p.yaml:1: line 1 is " + (FOUR_MIB + 1) + " characters long; a policy line may be at most 16384"),
        Arguments.of("a 4 MiB host pattern", "version: 1\npin-sets:\n  - name: a\n    hosts: [" + "a".repeat(FOUR_MIB)
            + "]\n    pins: [" + PIN + "]\n", "p.yaml:4: line 4 is " + (FOUR_MIB + 13) + " characters long"),
        Arguments.of("a 4 MiB quoted scalar", "version: 1\r\npin-sets: []\r\nx: \"" + "a".repeat(FOUR_MIB) + "\"\r\n",
            "p.yaml:3: line 3 is"),
        Arguments.of("a long line after lines ended by NEL and LS", "version: 1\u0085pin-sets: []\u2028#"
            + "x".repeat(PolicyLoader.MAX_LINE_CHARS), "p.yaml:3: line 3 is 16385 characters long"));
  }

  private static final int FOUR_MIB = 4 * 1024 * 1024 - 1024;
  private static final String PIN = "sha256/r/mIkG3eEpVdm+u/ko/cwxzOMo1bk4TyHIlByibiA5E=";
  private static final String VALID = "version: 1\npin-sets:\n  - name: a\n    hosts: [a.example.com]\n    pins: ["
      + PIN + "]\n";

  @Test
  @TimeBounded
  void loadsAFileOfLinesAsLongAsAllowedWithoutTheQuadraticBlowUp() throws Exception {
    StringBuilder yaml = new StringBuilder();
    String comment = "#" + "x".repeat(PolicyLoader.MAX_LINE_CHARS - 1) + "\n";
    while (yaml.length() + comment.length() + VALID.length() <= PolicyLoader.MAX_FILE_BYTES) {
      yaml.append(comment);
    }
    String policy = yaml.append(VALID).toString();
    PolicyLoader.parse("warm-up.yaml", VALID);

    long start = System.nanoTime();
    assertThat(PolicyLoader.parse("p.yaml", policy).pinSets()).hasSize(1);
    // Typically 30 ms, up to 1.1 s in a cold JVM on two cores loaded by other builds, 4.6 s with five builds on
    // them. The bound guards against the quadratic scan, which took 17 s for one 4 MiB line on a quiet machine;
    // the speed itself is the benchmarks' to measure.
    assertThat((System.nanoTime() - start) / 1_000_000).as("milliseconds for %d lines of %d characters",
        policy.length() / comment.length(), comment.length() - 1).isLessThan(9_000);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostileFiles")
  void refusesWithAClearMessage(String attack, String yaml, String message) {
    assertThatThrownBy(() -> PolicyLoader.parse("p.yaml", yaml))
        .isInstanceOf(PolicyException.class)
        .hasMessageStartingWith(message);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostileFiles")
  @TimeBounded
  void refusesQuickly(String attack, String yaml, String message) {
    long start = System.nanoTime();
    assertThatThrownBy(() -> PolicyLoader.parse("p.yaml", yaml)).isInstanceOf(PolicyException.class);
    assertThat((System.nanoTime() - start) / 1_000_000).as("milliseconds").isLessThan(500);
  }
}
