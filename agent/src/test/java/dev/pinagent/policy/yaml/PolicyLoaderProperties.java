package dev.pinagent.policy.yaml;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.policy.PolicyException;
import java.util.List;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Random and mutated policies either load or fail with the agent's own {@link PolicyException}, naming the
 * file and (for anything but a whole-file problem) a line: never another exception, never a hang.
 */
class PolicyLoaderProperties {
  private static final String YAML_NOISE = ":-[]{}*&!|>#'\"\n\t ,?%@`\\<=";

  @Provide
  Arbitrary<String> validPolicies() {
    Arbitrary<String> label = Arbitraries.strings().withChars("abcxyz0").ofMinLength(1).ofMaxLength(6);
    Arbitrary<String> host = Combinators.combine(Arbitraries.of("", "*.", "**."), label.list().ofMinSize(1)
        .ofMaxSize(3)).as((prefix, labels) -> prefix + String.join(".", labels));
    Arbitrary<String> pin = Arbitraries.of("sha256/r/mIkG3eEpVdm+u/ko/cwxzOMo1bk4TyHIlByibiA5E=",
        "sha256/YLh1dUR9y6Kja30RrAn7JKnbQG/uEtLMkBgFF2Fuihg=", "sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
    // Sets are rendered with their index in every name and host, so a generated policy never repeats one.
    Arbitrary<java.util.function.IntFunction<String>> set = Combinators.combine(label,
        host.list().uniqueElements().ofMinSize(1).ofMaxSize(3), pin.list().uniqueElements().ofMinSize(1).ofMaxSize(3),
        Arbitraries.of("", "    mode: report\n", "    mode: enforce\n"), Arbitraries.of("", "    expires: 2030-01-01\n"))
        .as((name, hosts, pins, mode, expires) -> index -> "  - name: \"" + name + index + "\"\n    hosts: ["
            + hosts.stream().map(h -> "\"" + h + ".s" + index + ".example\"").collect(Collectors.joining(", "))
            + "]\n    pins:\n" + pins.stream().map(p -> "      - " + p + "\n").collect(Collectors.joining())
            + mode + expires);
    return Combinators.combine(Arbitraries.of("", "mode: report\n"), set.list().ofMinSize(0).ofMaxSize(4))
        .as((mode, sets) -> {
          StringBuilder yaml = new StringBuilder("version: 1\n").append(mode).append("pin-sets:");
          yaml.append(sets.isEmpty() ? " []\n" : "\n");
          for (int i = 0; i < sets.size(); i++) {
            yaml.append(sets.get(i).apply(i));
          }
          return yaml.toString();
        });
  }

  @Provide
  Arbitrary<String> mutatedPolicies() {
    return validPolicies().flatMap(text -> Arbitraries.integers().between(0, Math.max(0, text.length() - 1))
        .list().ofMinSize(1).ofMaxSize(4)
        .flatMap(positions -> Arbitraries.of(YAML_NOISE.chars().mapToObj(c -> String.valueOf((char) c))
            .toArray(String[]::new)).list().ofSize(positions.size())
            .flatMap(noise -> Arbitraries.of("insert", "delete", "replace", "duplicate-line")
                .map(kind -> mutate(text, positions, noise, kind)))));
  }

  private static String mutate(String text, List<Integer> positions, List<String> noise, String kind) {
    StringBuilder result = new StringBuilder(text);
    for (int i = 0; i < positions.size(); i++) {
      int at = Math.min(positions.get(i), result.length() - 1);
      if (at < 0) {
        break;
      }
      switch (kind) {
        case "insert":
          result.insert(at, noise.get(i));
          break;
        case "delete":
          result.deleteCharAt(at);
          break;
        case "replace":
          result.setCharAt(at, noise.get(i).charAt(0));
          break;
        default:
          int lineStart = result.lastIndexOf("\n", at) + 1;
          int lineEnd = result.indexOf("\n", at);
          if (lineEnd > lineStart) {
            result.insert(lineStart, result.substring(lineStart, lineEnd + 1));
          }
      }
    }
    return result.toString();
  }

  @Property(tries = 300)
  void validPoliciesLoad(@ForAll("validPolicies") String yaml) throws Exception {
    assertThat(PolicyLoader.parse("p.yaml", yaml)).isNotNull();
  }

  @Property(tries = 3000)
  void mutatedPoliciesLoadOrFailWithTheAgentsOwnErrorAndALine(@ForAll("mutatedPolicies") String yaml) {
    assertLoadsOrFailsCleanly(yaml);
  }

  @Property(tries = 2000)
  void arbitraryTextLoadsOrFailsWithTheAgentsOwnError(@ForAll String text) {
    assertLoadsOrFailsCleanly(text);
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
