package dev.pinagent.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.testing.Seeded;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Random hosts and patterns against a reference model of the matching rules, written independently over
 * label lists: exact beats {@code *.} (exactly one label more), which beats {@code **.} (the domain or any
 * depth below), and among {@code **.} patterns the longest domain wins.
 *
 * <p>Seeded property checks (see {@link Seeded}): the cases are the same in every build; run
 * {@code mvn -pl agent test -Dtest=HostMatchingPropertyTest -Dpinagent.property.seed=<long>} to check others.
 */
class HostMatchingPropertyTest {
  private static final Pin PIN = Pin.parse("sha256/r/mIkG3eEpVdm+u/ko/cwxzOMo1bk4TyHIlByibiA5E=");

  private static final List<String> HOST_LABELS = List.of("a", "b", "api", "example", "com", "xn--bcher-kva", "x1");

  private static final List<String> DOMAIN_LABELS = List.of("a", "b", "api", "example", "com", "xn--bcher-kva");

  /** Characters with a meaning in host names, IP literals or URLs. */
  private static final String HOST_CHARS = "aAzZ019.-_:[]%*@/ ";

  /** A host and the patterns of a policy, each pattern in a pin-set of its own. */
  private static final class Lookup {
    final List<String> patterns;
    final String host;

    Lookup(List<String> patterns, String host) {
      this.patterns = patterns;
      this.host = host;
    }

    @Override
    public String toString() {
      return "host " + Seeded.literal(host) + " against patterns "
          + patterns.stream().map(Seeded::literal).collect(Collectors.joining(", "));
    }
  }

  /**
   * 1 to 5 labels; 1 to 8 distinct patterns, each exact, {@code *.} or {@code **.} over 1 to 3 labels. Half the
   * patterns are built on a suffix of the host, so that matches (and competing matches) are common.
   */
  private static Lookup lookup(SplittableRandom random) {
    List<String> hostLabels = labels(random, HOST_LABELS, 1, 5);
    Set<String> patterns = new LinkedHashSet<>();
    int count = Seeded.between(random, 1, 8);
    while (patterns.size() < count) {
      List<String> domain = random.nextBoolean()
          ? labels(random, DOMAIN_LABELS, 1, 3)
          : hostLabels.subList(hostLabels.size() - Seeded.between(random, 1, Math.min(3, hostLabels.size())),
              hostLabels.size());
      patterns.add(Seeded.oneOf(random, List.of("", "*.", "**.")) + String.join(".", domain));
    }
    return new Lookup(new ArrayList<>(patterns), String.join(".", hostLabels));
  }

  private static List<String> labels(SplittableRandom random, List<String> from, int min, int max) {
    List<String> labels = new ArrayList<>();
    int count = Seeded.between(random, min, max);
    for (int i = 0; i < count; i++) {
      labels.add(Seeded.oneOf(random, from));
    }
    return labels;
  }

  /**
   * Arbitrary text ({@link Seeded#text}) for half the cases. The other half are IPv4 literals the way the JDK
   * reads them (1 to 5 numbers, leading zeros, too large), IPv6 literals (brackets, {@code ::}, zones) or
   * names (upper case, Unicode, '-' and '_'), a third of them with one character inserted, deleted or
   * replaced, and a quarter with a trailing dot.
   */
  private static String connectionHost(SplittableRandom random) {
    if (random.nextBoolean()) {
      return Seeded.text(random, HOST_CHARS);
    }
    StringBuilder host = new StringBuilder();
    switch (random.nextInt(3)) {
      case 0:
        for (int i = Seeded.between(random, 1, 5); i > 0; i--) {
          host.append(random.nextInt(5) == 0 ? "0" : "")
              .append(random.nextInt(4) > 0 ? random.nextInt(256) : random.nextLong(1L << 33))
              .append(i > 1 ? "." : "");
        }
        break;
      case 1:
        for (int i = Seeded.between(random, 2, 8); i > 0; i--) {
          for (int j = Seeded.between(random, 1, 4); j > 0; j--) {
            host.append(Seeded.oneOf(random, "0123456789abcdefABCDEF"));
          }
          host.append(i == 1 ? "" : random.nextInt(8) == 0 ? "::" : ":");
        }
        host.append(random.nextInt(4) == 0 ? "%" + random.nextInt(20) : "");
        if (random.nextInt(3) == 0) {
          host.insert(0, '[').append(']');
        }
        break;
      default:
        for (int i = Seeded.between(random, 1, 4); i > 0; i--) {
          for (int j = Seeded.between(random, 1, 6); j > 0; j--) {
            host.append(Seeded.oneOf(random, "abcxyzABC019-_\u00fc\u00df\uff11"));
          }
          host.append(i > 1 ? "." : "");
        }
    }
    if (random.nextInt(3) == 0) {
      int at = random.nextInt(host.length());
      switch (random.nextInt(3)) {
        case 0:
          host.insert(at, Seeded.oneOf(random, HOST_CHARS + "\uff0e\u3002"));
          break;
        case 1:
          host.deleteCharAt(at);
          break;
        default:
          host.setCharAt(at, Seeded.oneOf(random, HOST_CHARS + "\uff0e\u3002"));
      }
    }
    return host.append(random.nextInt(4) == 0 ? "." : "").toString();
  }

  @Test
  void policyLookupFindsTheSetTheReferenceModelPicks() {
    Seeded.check(5_000, HostMatchingPropertyTest::lookup, Lookup::toString, lookup -> {
      Policy.Builder builder = Policy.builder(Mode.ENFORCE);
      for (int i = 0; i < lookup.patterns.size(); i++) {
        builder.add(PinSet.of("set" + i, List.of(HostPattern.parse(lookup.patterns.get(i))), List.of(PIN),
            Mode.ENFORCE, null));
      }
      PinSet actual = builder.build().match(HostName.normalize(lookup.host));

      assertThat(actual == null ? null : actual.hosts().get(0).toString())
          .isEqualTo(referenceWinner(lookup.patterns, lookup.host));
    });
  }

  @Test
  void normalizingAnyConnectionHostNeverThrowsAndIsIdempotent() {
    Seeded.check(5_000, HostMatchingPropertyTest::connectionHost, Seeded::literal, anything -> {
      String normalized = HostName.normalizeConnectionHost(anything);
      if (normalized != null) {
        assertThat(HostName.normalizeConnectionHost(normalized)).as("normalizing is idempotent").isEqualTo(normalized);
      }
    });
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
