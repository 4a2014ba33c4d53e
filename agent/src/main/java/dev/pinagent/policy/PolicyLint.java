package dev.pinagent.policy;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/**
 * Warnings about a valid policy that will likely hurt: printed when the agent loads it, and by the jar's
 * {@code check} command. None of these stops the JVM — each is a legitimate, if risky, choice.
 */
public final class PolicyLint {
  /** Sets expiring sooner than this are flagged so that someone renews them in time. */
  public static final int EXPIRY_WARNING_DAYS = 30;

  private PolicyLint() {}

  /** The warnings for {@code policy} at {@code epochMillis}, in policy order. */
  public static List<String> warnings(Policy policy, long epochMillis) {
    List<String> warnings = new ArrayList<>();
    if (policy.pinSets().isEmpty()) {
      warnings.add("the policy has no pin-sets: nothing is pinned");
    }
    for (PinSet set : policy.pinSets()) {
      if (set.mode() == Mode.ENFORCE && set.pins().size() == 1 && !set.isExpiredAt(epochMillis)) {
        warnings.add("pin-set '" + set.name() + "' is enforced with a single pin: add a backup pin (a key you "
            + "hold but have not deployed, or a second CA's), or the day that key changes every connection to "
            + "its hosts fails");
      }
      if (set.expires().isPresent()) {
        LocalDate expires = set.expires().get();
        long days = set.daysUntilExpiry(epochMillis);
        if (set.isExpiredAt(epochMillis)) {
          warnings.add("pin-set '" + set.name() + "' expired on " + expires + " and is not enforced");
        } else if (days < EXPIRY_WARNING_DAYS) {
          warnings.add("pin-set '" + set.name() + "' expires on " + expires + ", in " + days
              + " day(s); from that day on it is not enforced");
        }
      }
    }
    warnings.addAll(overlaps(policy));
    return warnings;
  }

  /**
   * Pairs of patterns in different sets that some host matches both of, and which set that host gets. Found
   * through the policy's index from a few witness hosts per pattern, so a policy of thousands of sets is
   * linted in about the time it takes to load, not in the square of its size.
   */
  private static List<String> overlaps(Policy policy) {
    List<PinSet> sets = policy.pinSets();
    java.util.Map<PinSet, Integer> order = new java.util.IdentityHashMap<>();
    for (int i = 0; i < sets.size(); i++) {
      order.put(sets.get(i), i);
    }
    java.util.TreeMap<String, String> found = new java.util.TreeMap<>();
    for (PinSet set : sets) {
      for (HostPattern pattern : set.hosts()) {
        for (String witness : witnesses(pattern)) {
          for (PinSet other : policy.allMatches(witness)) {
            if (other == set) {
              continue;
            }
            HostPattern otherPattern = patternMatching(other, witness);
            boolean setFirst = order.get(set) < order.get(other);
            PinSet first = setFirst ? set : other;
            PinSet second = setFirst ? other : set;
            HostPattern firstPattern = setFirst ? pattern : otherPattern;
            HostPattern secondPattern = setFirst ? otherPattern : pattern;
            String key = String.format("%09d/%09d/%s/%s", order.get(first), order.get(second), firstPattern,
                secondPattern);
            if (!found.containsKey(key)) {
              PinSet winner = policy.match(witness);
              found.put(key, "'" + firstPattern + "' (pin-set '" + first.name() + "') and '" + secondPattern
                  + "' (pin-set '" + second.name() + "') overlap: " + witness + " is matched by both and gets "
                  + "pin-set '" + (winner == null ? "none" : winner.name()) + "' (the most specific pattern wins)");
            }
          }
        }
      }
    }
    return new ArrayList<>(found.values());
  }

  /**
   * Hosts of {@code pattern} that show each of its overlaps: itself (exact), one label below its domain (which a
   * deeper pattern's hosts get), and, for "**.", its domain itself (one label below a "*." pattern's).
   */
  private static List<String> witnesses(HostPattern pattern) {
    switch (pattern.kind()) {
      case EXACT:
        return List.of(pattern.domain());
      case ONE_LABEL:
        return List.of("x." + pattern.domain());
      default:
        return List.of("x." + pattern.domain(), pattern.domain());
    }
  }

  private static HostPattern patternMatching(PinSet set, String host) {
    for (HostPattern pattern : set.hosts()) {
      if (pattern.matches(host)) {
        return pattern;
      }
    }
    throw new IllegalStateException(host + " was indexed to pin-set '" + set.name() + "' but matches none of it");
  }
}
