package dev.pinagent.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Random hosts and patterns against a reference model of the matching rules, written independently over
 * label lists: exact beats {@code *.} (exactly one label more), which beats {@code **.} (the domain or any
 * depth below), and among {@code **.} patterns the longest domain wins.
 */
class HostMatchingProperties {
  private static final Pin PIN = Pin.parse("sha256/r/mIkG3eEpVdm+u/ko/cwxzOMo1bk4TyHIlByibiA5E=");

  @Provide
  Arbitrary<String> hosts() {
    return Arbitraries.of("a", "b", "api", "example", "com", "xn--bcher-kva", "x1")
        .list().ofMinSize(1).ofMaxSize(5).map(labels -> String.join(".", labels));
  }

  @Provide
  Arbitrary<List<String>> patternSets() {
    Arbitrary<String> domain = Arbitraries.of("a", "b", "api", "example", "com", "xn--bcher-kva")
        .list().ofMinSize(1).ofMaxSize(3).map(labels -> String.join(".", labels));
    Arbitrary<String> pattern = Combinators.combine(Arbitraries.of("", "*.", "**."), domain).as(String::concat);
    return pattern.list().ofMinSize(1).ofMaxSize(8);
  }

  @Property(tries = 2000)
  void policyLookupAgreesWithTheReferenceModel(@ForAll("patternSets") List<String> patterns,
      @ForAll("hosts") String host) {
    Policy.Builder builder = Policy.builder(Mode.ENFORCE);
    Set<String> distinct = new LinkedHashSet<>(patterns);
    List<String> used = new ArrayList<>();
    int index = 0;
    for (String pattern : distinct) {
      builder.add(PinSet.of("set" + index++, List.of(HostPattern.parse(pattern)), List.of(PIN), Mode.ENFORCE, null));
      used.add(pattern);
    }
    Policy policy = builder.build();

    PinSet actual = policy.match(HostName.normalize(host));
    String expected = referenceWinner(used, host);

    assertThat(actual == null ? null : actual.hosts().get(0).toString()).isEqualTo(expected);
  }

  @Property(tries = 2000)
  void normalizingAnyConnectionHostNeverThrows(@ForAll String anything) {
    String normalized = HostName.normalizeConnectionHost(anything);
    if (normalized != null) {
      assertThat(HostName.normalizeConnectionHost(normalized)).as("normalizing is idempotent").isEqualTo(normalized);
    }
  }

  /** The reference: the winning pattern for {@code host} among {@code patterns}, or null. */
  static String referenceWinner(List<String> patterns, String host) {
    List<String> hostLabels = Arrays.asList(host.split("\\."));
    String bestOneLabel = null;
    String bestAnyDepth = null;
    int bestAnyDepthLength = -1;
    for (String pattern : patterns) {
      if (pattern.startsWith("**.")) {
        List<String> domain = Arrays.asList(pattern.substring(3).split("\\."));
        if (hostLabels.size() >= domain.size() && endsWith(hostLabels, domain) && domain.size() > bestAnyDepthLength) {
          bestAnyDepth = pattern;
          bestAnyDepthLength = domain.size();
        }
      } else if (pattern.startsWith("*.")) {
        List<String> domain = Arrays.asList(pattern.substring(2).split("\\."));
        if (hostLabels.size() == domain.size() + 1 && endsWith(hostLabels, domain)) {
          bestOneLabel = pattern;
        }
      } else if (pattern.equals(host)) {
        return pattern;
      }
    }
    return bestOneLabel != null ? bestOneLabel : bestAnyDepth;
  }

  private static boolean endsWith(List<String> labels, List<String> suffix) {
    return labels.subList(labels.size() - suffix.size(), labels.size()).equals(suffix);
  }
}
