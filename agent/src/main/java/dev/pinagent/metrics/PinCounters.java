package dev.pinagent.metrics;

import dev.pinagent.policy.Mode;
import dev.pinagent.policy.Pin;
import dev.pinagent.policy.PinSet;
import dev.pinagent.policy.Policy;
import dev.pinagent.verify.CheckResult;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counters of one policy, as the pin check sees them: for each of its pin-sets, the counter of each outcome
 * and of each pin, looked up once when the policy is loaded, so the hot path does one identity hash probe (two for
 * a match, with the pin's cached hash) and allocates nothing. The counters themselves live in a {@link
 * CounterStore}, which outlives policies: a reload makes a new view with {@link #forPolicy}, and the series of a
 * set that keeps its name and mode keep counting. {@link PinMetrics} presents the store as Micrometer meters;
 * keeping Micrometer off this path means a service pays for loading it only when it asks for the metrics
 * endpoint, and then on a background thread, while counting starts with the very first handshake either way.
 *
 * <p>Check and match counters of each set exist from the start, so dashboards see a zero rather than no series
 * before the first handshake. Each set also has one violation series at zero from the start, with the host
 * {@link #NO_HOST}.
 */
public final class PinCounters {
  /** The host of violations past the cap on distinct host names. */
  public static final String OTHER_HOST = "other";

  /**
   * The host of each pin-set's violation series that exists from the start, at zero, so that queries and alerts
   * on violations see a series (and an increase from zero) before the first one. Not counted against the cap.
   */
  public static final String NO_HOST = "none";

  /** The {@code pin_set} tag of checks no pin-set covers. */
  public static final String NO_PIN_SET = "none";

  /** The outcomes of violation reports (see {@code report.ReportSender}): series at zero from the start. */
  public static final List<String> REPORT_OUTCOMES = List.of("sent", "deduplicated", "dropped", "failed");

  /** The outcomes counted for each pin-set; unpinned and unknown hosts are counted apart from any set. */
  static final CheckResult[] SET_RESULTS = {
    CheckResult.MATCH, CheckResult.MISMATCH, CheckResult.EXPIRED, CheckResult.ERROR
  };

  private final Policy policy;
  private final CounterStore store;
  private final Map<PinSet, LongAdder[]> setChecks = new IdentityHashMap<>();
  private final Map<PinSet, Map<Pin, LongAdder>> pinMatches = new IdentityHashMap<>();
  private final LongAdder unpinned;
  private final LongAdder unknownHost;

  /** Counters for {@code policy} in a store of their own: for tools, tests and benchmarks. */
  public PinCounters(Policy policy, int maxViolationHosts) {
    this(policy, new CounterStore(maxViolationHosts));
  }

  public PinCounters(Policy policy, CounterStore store) {
    this.policy = policy;
    this.store = store;
    for (PinSet set : policy.pinSets()) {
      LongAdder[] counters = new LongAdder[CheckResult.values().length];
      for (CheckResult result : SET_RESULTS) {
        counters[result.ordinal()] = store.check(set.name(), result.id(), set.mode().id());
      }
      setChecks.put(set, counters);
      Map<Pin, LongAdder> byPin = new HashMap<>();
      for (Pin pin : set.pins()) {
        byPin.put(pin, store.match(set.name(), pin.toString()));
      }
      pinMatches.put(set, byPin);
      // A set's mode decides the action of all its violations: only that series can ever count.
      store.violation(set.name(), NO_HOST, action(set.mode() == Mode.ENFORCE));
    }
    String defaultMode = policy.defaultMode().id();
    this.unpinned = store.check(NO_PIN_SET, CheckResult.UNPINNED.id(), defaultMode);
    this.unknownHost = store.check(NO_PIN_SET, CheckResult.UNKNOWN_HOST.id(), defaultMode);
  }

  /** The counters of {@code next}, a policy replacing this one, in the same store. */
  public PinCounters forPolicy(Policy next) {
    return new PinCounters(next, store);
  }

  public Policy policy() {
    return policy;
  }

  /** Where the counters of every policy of this agent are kept. */
  public CounterStore store() {
    return store;
  }

  /** Counts one violation report by its outcome, one of {@link #REPORT_OUTCOMES}. */
  public void recordReport(String outcome) {
    store.recordReport(outcome);
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
    store.violation(set.name(), store.cappedHost(host), action(blocked)).increment();
  }

  /**
   * Records that this view's policy is now in force: counted as a successful load, and named by the policy meters.
   *
   * @param sha256 the fingerprint of the policy's bytes
   * @param source where they were read from
   */
  public void policyLoaded(String sha256, String source, long epochMillis) {
    store.recordPolicyLoad(true, PolicyStatus.NO_REASON);
    store.policyStatus().loaded(policy, sha256, source, epochMillis);
  }

  /** Counts a trust manager wrapped by the hook named {@code source}. */
  public void recordWrapped(String source) {
    store.recordWrapped(source);
  }

  /** Counts a failure of the agent itself (instrumentation, wrapping, the metrics endpoint). */
  public void recordAgentError(String stage) {
    store.recordAgentError(stage);
  }

  /** Observations the inventory had no room for ({@code inventory.max-hosts}, paths per host); the recorder counts. */
  public LongAdder inventoryDropped() {
    return store.inventoryDropped();
  }

  static String action(boolean blocked) {
    return blocked ? "blocked" : "reported";
  }
}
