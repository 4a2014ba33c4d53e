package dev.pinagent.policy.yaml;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.policy.PolicyException;
import dev.pinagent.testing.Seeded;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Random and mutated policies either load or fail with the agent's own {@link PolicyException}, naming the
 * file and (for anything but a whole-file problem) a line: never another exception, never a hang.
 *
 * <p>Seeded property checks (see {@link Seeded}): the cases are the same in every build; run
 * {@code mvn -pl agent test -Dtest=PolicyLoaderPropertyTest -Dpinagent.property.seed=<long>} to check others.
 */
class PolicyLoaderPropertyTest {
  private static final String YAML_NOISE = ":-[]{}*&!|>#'\"\n\t ,?%@`\\<=";

  private static final List<String> PINS = List.of("sha256/r/mIkG3eEpVdm+u/ko/cwxzOMo1bk4TyHIlByibiA5E=",
      "sha256/YLh1dUR9y6Kja30RrAn7JKnbQG/uEtLMkBgFF2Fuihg=", "sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");

  /** Pieces of policies and of YAML syntax, so that arbitrary text often gets past the first line. */
  private static final List<String> YAML_FRAGMENTS = List.of("version: 1\n", "version: ", "mode: ", "report",
      "enforce", "pin-sets:", "\n  - name: ", "hosts: ", "pins: ", "expires: ", "2030-01-01", PINS.get(0), "\n",
      "\n    ", "- ", "[", "]", "{", "}", "\"*.example.com\"", "**.", "&a ", "*a", "<<: ", "!!str ", "!x ",
      "%YAML 1.2\n", "---\n", "...\n", "? ", "|\n", ">-\n", "# ", "~", "null", "true", "0x1f", "1e3", "\ufeff");

  private static String label(SplittableRandom random) {
    StringBuilder label = new StringBuilder();
    int length = Seeded.between(random, 1, 6);
    for (int i = 0; i < length; i++) {
      label.append(Seeded.oneOf(random, "abcxyz0"));
    }
    return label.toString();
  }

  private static String hostPattern(SplittableRandom random) {
    List<String> labels = new ArrayList<>();
    int count = Seeded.between(random, 1, 3);
    for (int i = 0; i < count; i++) {
      labels.add(label(random));
    }
    return Seeded.oneOf(random, List.of("", "*.", "**.")) + String.join(".", labels);
  }

  /**
   * A valid policy of 0 to 4 pin-sets, each with 1 to 3 distinct host patterns and pins and an optional mode
   * and expiry date. Sets carry their index in every name and host, so a policy never repeats one.
   */
  static String validPolicy(SplittableRandom random) {
    StringBuilder yaml = new StringBuilder("version: 1\n")
        .append(Seeded.oneOf(random, List.of("", "mode: report\n")))
        .append("pin-sets:");
    int sets = Seeded.between(random, 0, 4);
    yaml.append(sets == 0 ? " []\n" : "\n");
    for (int index = 0; index < sets; index++) {
      yaml.append("  - name: \"").append(label(random)).append(index).append("\"\n    hosts: [");
      Set<String> hosts = new LinkedHashSet<>();
      int hostCount = Seeded.between(random, 1, 3);
      while (hosts.size() < hostCount) {
        hosts.add(hostPattern(random));
      }
      String separator = "";
      for (String host : hosts) {
        yaml.append(separator).append('"').append(host).append(".s").append(index).append(".example\"");
        separator = ", ";
      }
      yaml.append("]\n    pins:\n");
      List<String> pins = new ArrayList<>(PINS);
      int pinCount = Seeded.between(random, 1, 3);
      for (int i = 0; i < pinCount; i++) {
        yaml.append("      - ").append(pins.remove(random.nextInt(pins.size()))).append('\n');
      }
      yaml.append(Seeded.oneOf(random, List.of("", "    mode: report\n", "    mode: enforce\n")))
          .append(Seeded.oneOf(random, List.of("", "    expires: 2030-01-01\n")));
    }
    return yaml.toString();
  }

  /**
   * A valid policy with 1 to 4 edits of one kind: YAML syntax characters inserted or written over characters,
   * characters deleted, or lines duplicated.
   */
  static String mutatedPolicy(SplittableRandom random) {
    StringBuilder text = new StringBuilder(validPolicy(random));
    int edits = Seeded.between(random, 1, 4);
    List<Integer> positions = new ArrayList<>();
    for (int i = 0; i < edits; i++) {
      positions.add(random.nextInt(text.length()));
    }
    String kind = Seeded.oneOf(random, List.of("insert", "delete", "replace", "duplicate-line"));
    for (int position : positions) {
      int at = Math.min(position, text.length() - 1);
      if (at < 0) {
        break;
      }
      char noise = Seeded.oneOf(random, YAML_NOISE);
      switch (kind) {
        case "insert":
          text.insert(at, noise);
          break;
        case "delete":
          text.deleteCharAt(at);
          break;
        case "replace":
          text.setCharAt(at, noise);
          break;
        default:
          int lineStart = text.lastIndexOf("\n", at) + 1;
          int lineEnd = text.indexOf("\n", at);
          if (lineEnd > lineStart) {
            text.insert(lineStart, text.substring(lineStart, lineEnd + 1));
          }
      }
    }
    return text.toString();
  }

  /**
   * Arbitrary text ({@link Seeded#text}) in a third of the cases. The rest, so that parsing often gets past
   * the first character the reader refuses, are 1 to 20 pieces of policies, YAML syntax and printable noise,
   * with arbitrary text among them in half of those.
   */
  static String arbitraryText(SplittableRandom random) {
    if (random.nextInt(3) == 0) {
      return Seeded.text(random, YAML_NOISE);
    }
    boolean withArbitraryText = random.nextBoolean();
    StringBuilder text = new StringBuilder();
    int pieces = Seeded.between(random, 1, 20);
    for (int i = 0; i < pieces; i++) {
      switch (random.nextInt(withArbitraryText ? 3 : 2)) {
        case 0:
          text.append(Seeded.oneOf(random, YAML_FRAGMENTS));
          break;
        case 1:
          int length = Seeded.between(random, 1, 6);
          for (int j = 0; j < length; j++) {
            text.append(Seeded.oneOf(random, YAML_NOISE + "ax0."));
          }
          break;
        default:
          text.append(Seeded.text(random, YAML_NOISE));
      }
    }
    return text.toString();
  }

  @Test
  void everyGeneratedValidPolicyLoads() {
    Seeded.check(1_000, PolicyLoaderPropertyTest::validPolicy, Seeded::literal,
        yaml -> assertThat(PolicyLoader.parse("p.yaml", yaml)).isNotNull());
  }

  @Test
  void everyMutatedPolicyIsLoadedOrRefusedWithAPolicyExceptionNamingTheFileAndALine() {
    Seeded.check(3_000, PolicyLoaderPropertyTest::mutatedPolicy, Seeded::literal,
        PolicyLoaderPropertyTest::assertLoadsOrFailsCleanly);
  }

  @Test
  void anyTextIsLoadedOrRefusedWithAPolicyException() {
    Seeded.check(2_000, PolicyLoaderPropertyTest::arbitraryText, Seeded::literal,
        PolicyLoaderPropertyTest::assertLoadsOrFailsCleanly);
  }

  private static void assertLoadsOrFailsCleanly(String yaml) {
    long start = System.nanoTime();
    try {
      PolicyLoader.parse("p.yaml", yaml);
    } catch (PolicyException e) {
      assertThat(e.getMessage()).startsWith("p.yaml");
      if (e.line() == 0) {
        assertThat(e.problem()).as("only whole-file problems have no line").matches("(is empty|refused).*");
      }
    }
    assertThat((System.nanoTime() - start) / 1_000_000).as("milliseconds to load").isLessThan(1000);
  }
}
