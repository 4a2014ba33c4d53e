package dev.pinagent.policy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * A validated, immutable pin policy and its host index. Lookups are hash probes, one per label of the host,
 * so their cost does not grow with the number of pin-sets. When several sets match a host the most specific
 * wins: an exact host, then {@code *.} one label below, then {@code **.} with the longest suffix.
 */
public final class Policy {
  /** The only policy format version this agent reads. */
  public static final int VERSION = 1;

  private final Mode defaultMode;
  private final OptionalLong serial;
  private final List<PinSet> pinSets;
  private final Map<String, PinSet> exact;
  private final Map<String, PinSet> oneLabel;
  private final Map<String, PinSet> anyDepth;

  private Policy(Builder builder) {
    this.defaultMode = builder.defaultMode;
    this.serial = builder.serial;
    this.pinSets = List.copyOf(builder.pinSets);
    this.exact = Map.copyOf(builder.exact);
    this.oneLabel = Map.copyOf(builder.oneLabel);
    this.anyDepth = Map.copyOf(builder.anyDepth);
  }

  public static Builder builder(Mode defaultMode) {
    return new Builder(defaultMode);
  }

  /** The top-level mode: the default of every set, and the mode tag of checks no set covers. */
  public Mode defaultMode() {
    return defaultMode;
  }

  /**
   * The policy's {@code serial}, raised with each version: a signed policy must have one, so that an older
   * signed version replayed cannot replace a newer one. Empty when the policy has none.
   */
  public OptionalLong serial() {
    return serial;
  }

  public List<PinSet> pinSets() {
    return pinSets;
  }

  /**
   * The pin-set covering {@code host}, or {@code null} when none does.
   *
   * @param host a host already {@linkplain HostName#normalize normalized}
   */
  public PinSet match(String host) {
    List<PinSet> sets = allMatches(host);
    return sets.isEmpty() ? null : sets.get(0);
  }

  /**
   * Every pin-set with a pattern that covers {@code host}, most specific first: one set normally, more where
   * patterns of different sets overlap (only the first is ever applied). Hash probes, one per label.
   */
  public List<PinSet> allMatches(String host) {
    List<PinSet> sets = new ArrayList<>(2);
    addIfPresent(sets, exact.get(host));
    if (!HostName.isIpLiteral(host)) {
      int firstDot = host.indexOf('.');
      if (firstDot > 0) {
        addIfPresent(sets, oneLabel.get(host.substring(firstDot + 1)));
      }
      for (int from = 0; from >= 0 && from < host.length(); ) {
        addIfPresent(sets, anyDepth.get(host.substring(from)));
        int dot = host.indexOf('.', from);
        from = dot < 0 ? -1 : dot + 1;
      }
    }
    return sets;
  }

  private static void addIfPresent(List<PinSet> sets, PinSet set) {
    if (set != null && !sets.contains(set)) {
      sets.add(set);
    }
  }

  /** Collects pin-sets in policy order, refusing a duplicate name or a host pattern claimed twice. */
  public static final class Builder {
    private final Mode defaultMode;
    private final List<PinSet> pinSets = new ArrayList<>();
    private final Map<String, PinSet> byName = new HashMap<>();
    private final Map<String, PinSet> exact = new HashMap<>();
    private final Map<String, PinSet> oneLabel = new HashMap<>();
    private final Map<String, PinSet> anyDepth = new HashMap<>();
    private OptionalLong serial = OptionalLong.empty();

    private Builder(Mode defaultMode) {
      if (defaultMode == null) {
        throw new IllegalArgumentException("mode is required");
      }
      this.defaultMode = defaultMode;
    }

    /** Adds a set; on a conflict nothing is added and the exception says which entry clashed with what. */
    public Builder add(PinSet pinSet) {
      PinSet sameName = byName.get(pinSet.name());
      if (sameName != null) {
        throw new InvalidEntryException("name", -1,
            "the name '" + pinSet.name() + "' is already used by another pin-set; names must be unique");
      }
      List<HostPattern> hosts = pinSet.hosts();
      for (int i = 0; i < hosts.size(); i++) {
        PinSet owner = index(hosts.get(i).kind()).get(hosts.get(i).domain());
        if (owner != null) {
          throw new InvalidEntryException("hosts", i, "'" + hosts.get(i) + "' is already covered by pin-set '"
              + owner.name() + "'; a host pattern may belong to one pin-set only");
        }
      }
      for (HostPattern host : hosts) {
        index(host.kind()).put(host.domain(), pinSet);
      }
      byName.put(pinSet.name(), pinSet);
      pinSets.add(pinSet);
      return this;
    }

    private Map<String, PinSet> index(HostPattern.Kind kind) {
      switch (kind) {
        case EXACT:
          return exact;
        case ONE_LABEL:
          return oneLabel;
        case ANY_DEPTH:
          return anyDepth;
        default:
          throw new AssertionError(kind);
      }
    }

    /** Sets the serial, a whole number from 0. */
    public Builder serial(long serial) {
      if (serial < 0) {
        throw new IllegalArgumentException("serial must not be negative: " + serial);
      }
      this.serial = OptionalLong.of(serial);
      return this;
    }

    public Policy build() {
      return new Policy(this);
    }
  }
}
