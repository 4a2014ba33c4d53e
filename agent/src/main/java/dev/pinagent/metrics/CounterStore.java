package dev.pinagent.metrics;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Every counter the agent keeps, by the tag values of its series, for as long as the agent runs. A reloaded
 * policy gets a new {@link PinCounters} view over the same store: a pin-set that survives the reload (same name,
 * same mode) finds its counters and keeps counting from where they were, a removed set's counters stop growing,
 * and a new set's counters start at zero. Series are never dropped, so every counter stays monotonic, as
 * Prometheus' {@code rate()} requires.
 *
 * <p>Host names are the one unbounded tag value: the first {@code maxViolationHosts} distinct hosts keep their
 * name in violations, later ones are counted as {@link PinCounters#OTHER_HOST}, whatever policy is in force.
 */
public final class CounterStore {
  /** The tag values of one series, in the order its meter declares its tags. */
  static final class SeriesKey {
    private final String[] tags;
    private final int hash;

    SeriesKey(String... tags) {
      this.tags = tags;
      this.hash = Arrays.hashCode(tags);
    }

    String tag(int index) {
      return tags[index];
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof SeriesKey && Arrays.equals(tags, ((SeriesKey) other).tags);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }

  private final int maxViolationHosts;
  private final PolicyStatus policyStatus = new PolicyStatus();
  /** pin_set, result, mode. */
  private final ConcurrentHashMap<SeriesKey, LongAdder> checks = new ConcurrentHashMap<>();
  /** pin_set, pin. */
  private final ConcurrentHashMap<SeriesKey, LongAdder> matches = new ConcurrentHashMap<>();
  /** pin_set, host, action. */
  private final ConcurrentHashMap<SeriesKey, LongAdder> violations = new ConcurrentHashMap<>();
  /** result, reason. */
  private final ConcurrentHashMap<SeriesKey, LongAdder> policyLoads = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, LongAdder> wrapped = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, LongAdder> agentErrors = new ConcurrentHashMap<>();
  private final Set<String> violationHosts = ConcurrentHashMap.newKeySet();
  private final LongAdder inventoryDropped = new LongAdder();
  /** One per outcome of {@link PinCounters#REPORT_OUTCOMES}, at zero from the start. */
  private final Map<String, LongAdder> reports = new LinkedHashMap<>();

  public CounterStore(int maxViolationHosts) {
    this.maxViolationHosts = maxViolationHosts;
    // Both outcomes from the start, so an alert on failures sees a zero before the first one.
    policyLoad(PolicyStatus.SUCCESS, PolicyStatus.NO_REASON);
    policyLoad(PolicyStatus.FAILURE, PolicyStatus.INVALID);
    for (String outcome : PinCounters.REPORT_OUTCOMES) {
      reports.put(outcome, new LongAdder());
    }
  }

  /** Which policy is in force, and whether the file holds a newer one the agent refused. */
  public PolicyStatus policyStatus() {
    return policyStatus;
  }

  LongAdder check(String pinSet, String result, String mode) {
    return counter(checks, new SeriesKey(pinSet, result, mode));
  }

  LongAdder match(String pinSet, String pin) {
    return counter(matches, new SeriesKey(pinSet, pin));
  }

  LongAdder violation(String pinSet, String host, String action) {
    return counter(violations, new SeriesKey(pinSet, host, action));
  }

  /** The counter of policy loads with {@code result} ({@code success}, {@code failure}) for {@code reason}. */
  LongAdder policyLoad(String result, String reason) {
    return counter(policyLoads, new SeriesKey(result, reason));
  }

  /** Counts a policy load: a success ({@code reason} {@link PolicyStatus#NO_REASON}) or a refused policy. */
  public void recordPolicyLoad(boolean success, String reason) {
    policyLoad(success ? PolicyStatus.SUCCESS : PolicyStatus.FAILURE, reason).increment();
  }

  /** Observations the inventory had no room for; counted by its recorder, across policies. */
  LongAdder inventoryDropped() {
    return inventoryDropped;
  }

  void recordReport(String outcome) {
    reports.get(outcome).increment();
  }

  Map<String, LongAdder> reports() {
    return Collections.unmodifiableMap(reports);
  }

  /** How many policy loads had {@code result} for {@code reason} so far. */
  public long policyLoadCount(String result, String reason) {
    LongAdder counter = policyLoads.get(new SeriesKey(result, reason));
    return counter == null ? 0 : counter.sum();
  }

  void recordWrapped(String source) {
    counter(wrapped, source).increment();
  }

  void recordAgentError(String stage) {
    counter(agentErrors, stage).increment();
  }

  private static <K> LongAdder counter(ConcurrentHashMap<K, LongAdder> series, K key) {
    LongAdder counter = series.get(key);
    return counter != null ? counter : series.computeIfAbsent(key, k -> new LongAdder());
  }

  /** {@code host}, or {@link PinCounters#OTHER_HOST} once the cap on distinct hosts is reached. */
  String cappedHost(String host) {
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
    return violationHosts.contains(value) ? value : PinCounters.OTHER_HOST;
  }

  Map<SeriesKey, LongAdder> checks() {
    return Collections.unmodifiableMap(checks);
  }

  Map<SeriesKey, LongAdder> matches() {
    return Collections.unmodifiableMap(matches);
  }

  Map<SeriesKey, LongAdder> violations() {
    return Collections.unmodifiableMap(violations);
  }

  Map<SeriesKey, LongAdder> policyLoads() {
    return Collections.unmodifiableMap(policyLoads);
  }

  Map<String, LongAdder> wrapped() {
    return Collections.unmodifiableMap(wrapped);
  }

  Map<String, LongAdder> agentErrors() {
    return Collections.unmodifiableMap(agentErrors);
  }
}
