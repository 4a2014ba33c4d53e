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

  /** Pairs of patterns in different sets that some host matches both of, and which set that host gets. */
  private static List<String> overlaps(Policy policy) {
    List<String> warnings = new ArrayList<>();
    List<PinSet> sets = policy.pinSets();
    for (int i = 0; i < sets.size(); i++) {
      for (int j = i + 1; j < sets.size(); j++) {
        for (HostPattern first : sets.get(i).hosts()) {
          for (HostPattern second : sets.get(j).hosts()) {
            String witness = sharedHost(first, second);
            if (witness != null) {
              PinSet winner = policy.match(witness);
              warnings.add("'" + first + "' (pin-set '" + sets.get(i).name() + "') and '" + second + "' (pin-set '"
                  + sets.get(j).name() + "') overlap: " + witness + " is matched by both and gets pin-set '"
                  + (winner == null ? "none" : winner.name()) + "' (the most specific pattern wins)");
            }
          }
        }
      }
    }
    return warnings;
  }

  /** A host both patterns match, or {@code null} when they share none. */
  static String sharedHost(HostPattern first, HostPattern second) {
    if (first.kind() == HostPattern.Kind.EXACT) {
      return second.matches(first.domain()) ? first.domain() : null;
    }
    if (second.kind() == HostPattern.Kind.EXACT) {
      return first.matches(second.domain()) ? second.domain() : null;
    }
    // Both are wildcards: try a host just below each domain first (it shows which set the deeper pattern's
    // hosts get), then the domains themselves (a "**." domain one label below a "*." one).
    for (String candidate : new String[] {"x." + first.domain(), "x." + second.domain(), first.domain(),
        second.domain()}) {
      if (first.matches(candidate) && second.matches(candidate)) {
        return candidate;
      }
    }
    return null;
  }
}
