package dev.pinagent.metrics;

import dev.pinagent.policy.Mode;
import dev.pinagent.policy.Pin;
import dev.pinagent.policy.PinSet;
import dev.pinagent.policy.Policy;
import dev.pinagent.verify.CheckResult;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the agent counts, in plain JDK counters. The pin check records here; {@link PinMetrics} presents the
 * counts as Micrometer meters. Keeping Micrometer off this path means a service pays for loading it only
 * when it asks for the metrics endpoint, and then on a background thread, while counting starts with the
 * very first handshake either way.
 *
 * <p>Check counters for each pin-set exist from the start, so dashboards see a zero rather than no series
 * before the first handshake, and the hot path does no lookup but one identity hash probe. So do the match
 * counters of each pin of each set (which pin matched tells whether an old pin is still in use during a
 * rotation; the policy bounds their number): a match costs one more hash probe, with the pin's cached hash,
 * and allocates nothing. Host names are the
 * one unbounded tag value: the first {@code maxViolationHosts} distinct hosts keep their name in violations,
 * later ones are counted as {@link #OTHER_HOST}. Each set also has one violation series at zero from the start,
 * with the host {@link #NO_HOST}.
 */
public final class PinCounters {
  /** The host of violations past the cap on distinct host names. */
  public static final String OTHER_HOST = "other";

  /**
   * The host of each pin-set's violation series that exists from the start, at zero, so that queries and alerts
   * on violations see a series (and an increase from zero) before the first one. Not counted against the cap.
   */
  public static final String NO_HOST = "none";

  /** The outcomes of violation reports (see {@code report.ReportSender}): series at zero from the start. */
  public static final List<String> REPORT_OUTCOMES = List.of("sent", "deduplicated", "dropped", "failed");

  /** The outcomes counted for each pin-set; unpinned and unknown hosts are counted apart from any set. */
  static final CheckResult[] SET_RESULTS = {
    CheckResult.MATCH, CheckResult.MISMATCH, CheckResult.EXPIRED, CheckResult.ERROR
  };

  /** A violation series: which pin-set, which host (capped), and whether the connection was blocked. */
  public static final class ViolationKey {
    public final PinSet set;
    public final String host;
    public final boolean blocked;

    ViolationKey(PinSet set, String host, boolean blocked) {
      this.set = set;
      this.host = host;
      this.blocked = blocked;
    }

    @Override
    public boolean equals(Object other) {
      if (!(other instanceof ViolationKey)) {
        return false;
      }
      ViolationKey key = (ViolationKey) other;
      return set == key.set && host.equals(key.host) && blocked == key.blocked;
    }

    @Override
    public int hashCode() {
      return (System.identityHashCode(set) * 31 + host.hashCode()) * 31 + (blocked ? 1 : 0);
    }
  }

  private final Policy policy;
  private final int maxViolationHosts;
  private final Map<PinSet, LongAdder[]> setChecks = new IdentityHashMap<>();
  private final Map<PinSet, Map<Pin, LongAdder>> pinMatches = new IdentityHashMap<>();
  private final LongAdder unpinned = new LongAdder();
  private final LongAdder unknownHost = new LongAdder();
  private final LongAdder policyLoadSuccesses = new LongAdder();
  private final LongAdder policyLoadFailures = new LongAdder();
  private final Set<String> violationHosts = ConcurrentHashMap.newKeySet();
  private final ConcurrentHashMap<ViolationKey, LongAdder> violations = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, LongAdder> wrapped = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, LongAdder> agentErrors = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> reports = reportCounters();

  public PinCounters(Policy policy, int maxViolationHosts) {
    this.policy = policy;
    this.maxViolationHosts = maxViolationHosts;
    for (PinSet set : policy.pinSets()) {
      LongAdder[] counters = new LongAdder[CheckResult.values().length];
      for (CheckResult result : SET_RESULTS) {
        counters[result.ordinal()] = new LongAdder();
      }
      setChecks.put(set, counters);
      Map<Pin, LongAdder> byPin = new LinkedHashMap<>();
      for (Pin pin : set.pins()) {
        byPin.put(pin, new LongAdder());
      }
      pinMatches.put(set, byPin);
      // A set's mode decides the action of all its violations: only that series can ever count.
      violations.put(new ViolationKey(set, NO_HOST, set.mode() == Mode.ENFORCE), new LongAdder());
    }
  }

  public Policy policy() {
    return policy;
  }

  /** Counts one violation report by its outcome, one of {@link #REPORT_OUTCOMES}. */
  public void recordReport(String outcome) {
    reports.get(outcome).increment();
  }

  private static Map<String, LongAdder> reportCounters() {
    Map<String, LongAdder> byOutcome = new LinkedHashMap<>();
    for (String outcome : REPORT_OUTCOMES) {
      byOutcome.put(outcome, new LongAdder());
    }
    return byOutcome;
  }

  Map<String, LongAdder> reports() {
    return Collections.unmodifiableMap(reports);
  }

  /** Counts one check; {@code set} is {@code null} for unpinned and unknown hosts. */
  public void recordCheck(PinSet set, CheckResult result) {
    if (result == CheckResult.UNPINNED) {
      unpinned.increment();
    } else if (result == CheckResult.UNKNOWN_HOST) {
      unknownHost.increment();
    } else {
      setChecks.get(set)[result.ordinal()].increment();
    }
  }

  /** Counts a check of {@code set} that matched, and {@code pin} as the pin that matched it. */
  public void recordMatch(PinSet set, Pin pin) {
    setChecks.get(set)[CheckResult.MATCH.ordinal()].increment();
    LongAdder byPin = pin == null ? null : pinMatches.get(set).get(pin);
    if (byPin != null) {
      byPin.increment();
    }
  }

  /** Counts a mismatch; {@code blocked} says whether the handshake was failed. */
  public void recordViolation(PinSet set, String host, boolean blocked) {
    count(violations, new ViolationKey(set, cappedHost(host), blocked));
  }

  public void recordPolicyLoad(boolean success) {
    (success ? policyLoadSuccesses : policyLoadFailures).increment();
  }

  /** Counts a trust manager wrapped by the hook named {@code source}. */
  public void recordWrapped(String source) {
    count(wrapped, source);
  }

  /** Counts a failure of the agent itself (instrumentation, wrapping, the metrics endpoint). */
  public void recordAgentError(String stage) {
    count(agentErrors, stage);
  }

  private static <K> void count(ConcurrentHashMap<K, LongAdder> series, K key) {
    LongAdder counter = series.get(key);
    if (counter == null) {
      counter = series.computeIfAbsent(key, k -> new LongAdder());
    }
    counter.increment();
  }

  private String cappedHost(String host) {
    String value = host == null ? "unknown" : host;
    if (violationHosts.contains(value)) {
      return value;
    }
    synchronized (violationHosts) {
      if (violationHosts.size() < maxViolationHosts) {
        violationHosts.add(value);
        return value;
      }
    }
    return violationHosts.contains(value) ? value : OTHER_HOST;
  }

  /** The check counter of {@code set} for {@code result}; {@code null} for a result sets are not counted by. */
  LongAdder checks(PinSet set, CheckResult result) {
    return setChecks.get(set)[result.ordinal()];
  }

  /** The match counters of {@code set}, one per pin, in policy order. */
  Map<Pin, LongAdder> pinMatches(PinSet set) {
    return Collections.unmodifiableMap(pinMatches.get(set));
  }

  LongAdder unpinned() {
    return unpinned;
  }

  LongAdder unknownHost() {
    return unknownHost;
  }

  LongAdder policyLoads(boolean success) {
    return success ? policyLoadSuccesses : policyLoadFailures;
  }

  Map<ViolationKey, LongAdder> violations() {
    return Collections.unmodifiableMap(violations);
  }

  Map<String, LongAdder> wrapped() {
    return Collections.unmodifiableMap(wrapped);
  }

  Map<String, LongAdder> agentErrors() {
    return Collections.unmodifiableMap(agentErrors);
  }
}
