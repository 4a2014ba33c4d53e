package dev.pinagent.policy;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Warnings about a valid policy that will likely hurt: printed when the agent loads it, and by the jar's
 * {@code check} command. None of these stops the JVM — each is a legitimate, if risky, choice.
 */
public final class PolicyLint {
  /** Sets expiring sooner than this are flagged so that someone renews them in time. */
  public static final int EXPIRY_WARNING_DAYS = 30;

  private PolicyLint() {}

  /** One warning, and its kind, so that many of one kind can be summarised. */
  public static final class Warning {
    /** What a warning is about; the noun counts the rest in a summary. */
    public enum Kind {
      NO_PIN_SETS("warnings about an empty policy"),
      SINGLE_PIN("enforced sets with a single pin"),
      EXPIRING("sets expiring soon"),
      EXPIRED("expired sets"),
      OVERLAP("overlaps");

      private final String plural;

      Kind(String plural) {
        this.plural = plural;
      }
    }

    private final Kind kind;
    private final String message;

    Warning(Kind kind, String message) {
      this.kind = kind;
      this.message = message;
    }

    public Kind kind() {
      return kind;
    }

    public String message() {
      return message;
    }

    @Override
    public String toString() {
      return message;
    }
  }

  /** The warnings for {@code policy} at {@code epochMillis}, in policy order, overlaps last. */
  public static List<Warning> lint(Policy policy, long epochMillis) {
    List<Warning> warnings = new ArrayList<>();
    if (policy.pinSets().isEmpty()) {
      warnings.add(new Warning(Warning.Kind.NO_PIN_SETS, "the policy has no pin-sets: nothing is pinned"));
    }
    for (PinSet set : policy.pinSets()) {
      if (set.mode() == Mode.ENFORCE && set.pins().size() == 1 && !set.isExpiredAt(epochMillis)) {
        warnings.add(new Warning(Warning.Kind.SINGLE_PIN, "pin-set '" + set.name() + "' is enforced with a single "
            + "pin: add a backup pin (a key you hold but have not deployed, or a second CA's), or the day that key "
            + "changes every connection to its hosts fails"));
      }
      if (set.expires().isPresent()) {
        LocalDate expires = set.expires().get();
        long days = set.daysUntilExpiry(epochMillis);
        if (set.isExpiredAt(epochMillis)) {
          warnings.add(new Warning(Warning.Kind.EXPIRED,
              "pin-set '" + set.name() + "' expired on " + expires + " and is not enforced; "
                  + fallback(policy, set, epochMillis)));
        } else if (days < EXPIRY_WARNING_DAYS) {
          warnings.add(new Warning(Warning.Kind.EXPIRING, "pin-set '" + set.name() + "' expires on " + expires
              + ", in " + days + " day(s); from that day on it is not enforced and "
              + fallback(policy, set, set.expires().get().atStartOfDay(java.time.ZoneOffset.UTC).toInstant()
                  .toEpochMilli())));
        }
      }
    }
    for (String overlap : overlaps(policy)) {
      warnings.add(new Warning(Warning.Kind.OVERLAP, overlap));
    }
    return warnings;
  }

  /**
   * What happens to the hosts of {@code set} once it has expired (at {@code epochMillis}): an expired set stops
   * overriding, so each host falls back to the next most specific set still live then, or is unpinned.
   */
  private static String fallback(Policy policy, PinSet set, long epochMillis) {
    java.util.Set<String> fallbacks = new java.util.LinkedHashSet<>();
    boolean unpinned = false;
    for (HostPattern pattern : set.hosts()) {
      String witness = pattern.kind() == HostPattern.Kind.ONE_LABEL ? "x." + pattern.domain() : pattern.domain();
      PinSet next = null;
      for (PinSet candidate : policy.allMatches(witness)) {
        if (candidate != set && !candidate.isExpiredAt(epochMillis)) {
          next = candidate;
          break;
        }
      }
      if (next == null) {
        unpinned = true;
      } else {
        fallbacks.add("'" + next.name() + "'");
      }
    }
    if (fallbacks.isEmpty()) {
      return "its hosts are unpinned";
    }
    return "its hosts fall back to pin-set " + String.join(", ", fallbacks) + " (the next most specific)"
        + (unpinned ? "; hosts no other set covers are unpinned" : "");
  }

  /** The messages of {@link #lint}. */
  public static List<String> warnings(Policy policy, long epochMillis) {
    List<String> messages = new ArrayList<>();
    for (Warning warning : lint(policy, epochMillis)) {
      messages.add(warning.message());
    }
    return messages;
  }

  /**
   * {@code warnings} as lines to print: the first {@code perKind} of each kind in full, in their order, then for
   * each kind with more, one line {@code "... and N more overlaps (<seeAll>)"}. A generated policy can hold tens
   * of thousands of overlaps, which the agent would otherwise print to the application's stderr at every start.
   */
  public static List<String> summarized(List<Warning> warnings, int perKind, String seeAll) {
    Map<Warning.Kind, Integer> seen = new EnumMap<>(Warning.Kind.class);
    List<String> lines = new ArrayList<>();
    for (Warning warning : warnings) {
      if (seen.merge(warning.kind(), 1, Integer::sum) <= perKind) {
        lines.add(warning.message());
      }
    }
    for (Map.Entry<Warning.Kind, Integer> kind : seen.entrySet()) {
      if (kind.getValue() > perKind) {
        lines.add("... and " + (kind.getValue() - perKind) + " more " + kind.getKey().plural + " (" + seeAll + ")");
      }
    }
    return lines;
  }

  /**
   * Pairs of patterns in different sets that some host matches both of, and which set that host gets, ordered by
   * the sets' places in the policy. Each pattern is tried with a few witness hosts, and the patterns covering a
   * witness are found by hash probes, one per label (as {@link Policy#allMatches} finds sets): the lint's time
   * grows with the number of patterns, not with its square, so 50,000 hosts are linted as fast as they load.
   */
  private static List<String> overlaps(Policy policy) {
    List<PinSet> sets = policy.pinSets();
    Map<PinSet, Integer> order = new IdentityHashMap<>();
    Map<HostPattern, PinSet> owners = new HashMap<>();
    for (int i = 0; i < sets.size(); i++) {
      order.put(sets.get(i), i);
      for (HostPattern pattern : sets.get(i).hosts()) {
        owners.put(pattern, sets.get(i));
      }
    }
    Map<Overlap, String> found = new HashMap<>();
    for (PinSet set : sets) {
      for (HostPattern pattern : set.hosts()) {
        for (String witness : witnesses(pattern)) {
          for (HostPattern otherPattern : patternsCovering(witness, owners)) {
            PinSet other = owners.get(otherPattern);
            if (other == set) {
              continue;
            }
            boolean setFirst = order.get(set) < order.get(other);
            Overlap overlap = setFirst
                ? new Overlap(order.get(set), order.get(other), pattern, otherPattern)
                : new Overlap(order.get(other), order.get(set), otherPattern, pattern);
            if (!found.containsKey(overlap)) {
              PinSet winner = policy.match(witness);
              found.put(overlap, "'" + overlap.firstPattern + "' (pin-set '" + sets.get(overlap.first).name()
                  + "') and '" + overlap.secondPattern + "' (pin-set '" + sets.get(overlap.second).name()
                  + "') overlap: " + witness + " is matched by both and gets pin-set '"
                  + (winner == null ? "none" : winner.name()) + "' (the most specific pattern wins)");
            }
          }
        }
      }
    }
    List<Overlap> sorted = new ArrayList<>(found.keySet());
    sorted.sort(null);
    List<String> messages = new ArrayList<>(sorted.size());
    for (Overlap overlap : sorted) {
      messages.add(found.get(overlap));
    }
    return messages;
  }

  /** Two patterns of two sets, the set earlier in the policy first. */
  private static final class Overlap implements Comparable<Overlap> {
    final int first;
    final int second;
    final String firstPattern;
    final String secondPattern;

    Overlap(int first, int second, HostPattern firstPattern, HostPattern secondPattern) {
      this.first = first;
      this.second = second;
      this.firstPattern = firstPattern.toString();
      this.secondPattern = secondPattern.toString();
    }

    @Override
    public int compareTo(Overlap other) {
      int by = Integer.compare(first, other.first);
      by = by != 0 ? by : Integer.compare(second, other.second);
      by = by != 0 ? by : firstPattern.compareTo(other.firstPattern);
      return by != 0 ? by : secondPattern.compareTo(other.secondPattern);
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof Overlap && compareTo((Overlap) other) == 0;
    }

    @Override
    public int hashCode() {
      return Objects.hash(first, second, firstPattern, secondPattern);
    }
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

  /** The patterns of the policy that cover {@code host}: the same probes as {@link Policy#allMatches}. */
  private static List<HostPattern> patternsCovering(String host, Map<HostPattern, PinSet> owners) {
    List<HostPattern> covering = new ArrayList<>(2);
    addIfOwned(covering, HostPattern.of(HostPattern.Kind.EXACT, host), owners);
    if (!HostName.isIpLiteral(host)) {
      int firstDot = host.indexOf('.');
      if (firstDot > 0) {
        addIfOwned(covering, HostPattern.of(HostPattern.Kind.ONE_LABEL, host.substring(firstDot + 1)), owners);
      }
      for (int from = 0; from >= 0 && from < host.length(); ) {
        addIfOwned(covering, HostPattern.of(HostPattern.Kind.ANY_DEPTH, host.substring(from)), owners);
        int dot = host.indexOf('.', from);
        from = dot < 0 ? -1 : dot + 1;
      }
    }
    return covering;
  }

  private static void addIfOwned(List<HostPattern> covering, HostPattern pattern, Map<HostPattern, PinSet> owners) {
    if (owners.containsKey(pattern)) {
      covering.add(pattern);
    }
  }
}
