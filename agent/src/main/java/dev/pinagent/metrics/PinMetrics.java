package dev.pinagent.metrics;

import dev.pinagent.policy.PinSet;
import dev.pinagent.policy.Policy;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.AbstractMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Every meter of the agent, as a view of a {@link CounterStore}: each meter reads a counter the check already
 * keeps, so binding late (Micrometer starts at the first scrape) loses no count. Series that appear later (a
 * reloaded policy's new sets, a new violating host, a wrapping source, an error stage) get their meters at the
 * next {@link #refresh()}, which the endpoint calls before each scrape: Micrometer never runs on a handshake's
 * thread. Counter series are never removed (a removed pin-set's counts stay, frozen); the gauges that describe the
 * policy in force (its fingerprint, the expiry of its sets) follow it, so no alert fires on a set that is gone.
 */
public final class PinMetrics implements MeterBinder {
  public static final String CHECKS = "tls.pin.checks";
  public static final String MATCHES = "tls.pin.matches";
  public static final String VIOLATIONS = "tls.pin.violations";
  public static final String POLICY_LOADS = "tls.pin.policy.loads";
  public static final String POLICY_INFO = "tls.pin.policy.info";
  public static final String POLICY_LOADED = "tls.pin.policy.loaded";
  public static final String POLICY_RELOAD_FAILING = "tls.pin.policy.reload.failing";
  public static final String SET_EXPIRY = "tls.pin.set.expiry";
  public static final String WRAPPED = "tls.pin.trust.managers.wrapped";
  public static final String AGENT_ERRORS = "tls.pin.agent.errors";
  public static final String INVENTORY_DROPPED = "tls.pin.inventory.dropped";
  public static final String REPORTS = "tls.pin.reports";

  /** The pin_set tag of checks no pin-set covers. */
  public static final String NO_PIN_SET = PinCounters.NO_PIN_SET;

  private final CounterStore store;
  private final PolicyStatus status;
  private final LongSupplier clock;
  /** Series of the counters already registered, by meter name. */
  private final Set<Object> registeredSeries = ConcurrentHashMap.newKeySet();
  /** The expiry gauge of each pin-set of the policy in force that has an expiry date. */
  private final Map<String, Meter> expiryGauges = new HashMap<>();
  /** The sets of the policy in force that have an expiry date, by name, for the expiry gauges to read. */
  private volatile Map<String, PinSet> expiringSets = Map.of();
  private Meter infoGauge;
  private PolicyStatus.InForce infoOf;
  private volatile MeterRegistry registry;

  public PinMetrics(PinCounters counters, LongSupplier clock) {
    this.store = counters.store();
    this.status = store.policyStatus();
    this.clock = clock;
  }

  /** Binds to one registry; a second call is refused, as the series already registered are not tracked per registry. */
  @Override
  public synchronized void bindTo(MeterRegistry registry) {
    if (this.registry != null) {
      throw new IllegalStateException("these meters are already bound to a registry");
    }
    Gauge.builder(POLICY_LOADED, status, PolicyStatus::loadedAtSeconds)
        .description("When the pin policy in force was loaded, in seconds since the epoch")
        .baseUnit("seconds")
        .register(registry);
    Gauge.builder(POLICY_RELOAD_FAILING, status, s -> s.isFailing() ? 1 : 0)
        .description("1 while the policy source holds a version the agent refused and an older policy is in force")
        .register(registry);
    FunctionCounter.builder(INVENTORY_DROPPED, store.inventoryDropped(), LongAdder::doubleValue)
        .description("TLS servers (a new host:port, or a new path of a known one) not recorded because the "
            + "inventory was full (inventory.max-hosts, 4 paths per host); zero without inventory.file")
        .baseUnit("observations")
        .register(registry);
    for (Map.Entry<String, LongAdder> outcome : store.reports().entrySet()) {
      FunctionCounter.builder(REPORTS, outcome.getValue(), LongAdder::doubleValue)
          .description("Violation reports to report.uri, by outcome: sent, deduplicated (held back as identical), "
              + "dropped (queue full), failed (after retries)")
          .baseUnit("reports")
          .tag("outcome", outcome.getKey())
          .register(registry);
    }
    this.registry = registry;
    refresh();
  }

  /** Registers the meters of series counted since the last call, and follows the policy in force. */
  public synchronized void refresh() {
    MeterRegistry current = registry;
    if (current == null) {
      return;
    }
    registerCounters(current, CHECKS, store.checks(), "TLS server chains checked against the pin policy, by outcome",
        "checks", "pin_set", "result", "mode");
    registerCounters(current, MATCHES, store.matches(), "TLS server chains that matched their pin-set, by the "
        + "pinned key found on the certification path (the one nearest the leaf)", "matches", "pin_set", "pin");
    registerCounters(current, VIOLATIONS, store.violations(),
        "Pin mismatches, by pin-set, host and whether the connection was blocked", "violations", "pin_set", "host",
        "action");
    registerCounters(current, POLICY_LOADS, store.policyLoads(),
        "Pin policy loads, at start and on reload, by outcome and the reason of a failure", null, "result",
        "reason");
    registerOneTagSeries(current, WRAPPED,
        "Trust managers wrapped with the pin check, by the hook that wrapped them", "source", store.wrapped());
    registerOneTagSeries(current, AGENT_ERRORS,
        "Failures inside the agent: a hook not installed, a trust manager not wrapped", "stage", store.agentErrors());
    followPolicy(current);
  }

  private void registerCounters(MeterRegistry registry, String name, Map<CounterStore.SeriesKey, LongAdder> series,
      String description, String baseUnit, String... tags) {
    for (Map.Entry<CounterStore.SeriesKey, LongAdder> entry : series.entrySet()) {
      CounterStore.SeriesKey key = entry.getKey();
      Object seriesKey = new AbstractMap.SimpleImmutableEntry<>(name, key);
      if (registeredSeries.contains(seriesKey)) {
        continue;
      }
      FunctionCounter.Builder<LongAdder> builder =
          FunctionCounter.builder(name, entry.getValue(), LongAdder::doubleValue).description(description);
      if (baseUnit != null) {
        builder.baseUnit(baseUnit);
      }
      for (int i = 0; i < tags.length; i++) {
        builder.tag(tags[i], key.tag(i));
      }
      builder.register(registry);
      // Only once registered: a registration that failed is tried again at the next scrape.
      registeredSeries.add(seriesKey);
    }
  }

  private void registerOneTagSeries(MeterRegistry registry, String name, String description, String tag,
      Map<String, LongAdder> series) {
    for (Map.Entry<String, LongAdder> entry : series.entrySet()) {
      String seriesKey = name + "/" + entry.getKey();
      if (!registeredSeries.contains(seriesKey)) {
        FunctionCounter.builder(name, entry.getValue(), LongAdder::doubleValue)
            .description(description)
            .tag(tag, entry.getKey())
            .register(registry);
        registeredSeries.add(seriesKey);
      }
    }
  }

  /** The info gauge names the policy in force; the expiry gauges are those of its sets. */
  private void followPolicy(MeterRegistry registry) {
    PolicyStatus.InForce inForce = status.inForce();
    if (inForce != infoOf) {
      if (infoGauge != null) {
        registry.remove(infoGauge);
        infoGauge = null;
      }
      if (inForce != null) {
        infoGauge = Gauge.builder(POLICY_INFO, () -> 1)
            .description("The pin policy in force: 1, with the fingerprint of its bytes and where it was read from")
            .tag("sha256", inForce.sha256)
            .tag("source", inForce.source)
            .register(registry);
      }
      infoOf = inForce;
    }
    Policy policy = inForce == null ? null : inForce.policy;
    Map<String, PinSet> expiring = new HashMap<>();
    if (policy != null) {
      for (PinSet set : policy.pinSets()) {
        if (set.expires().isPresent()) {
          expiring.put(set.name(), set);
          if (!expiryGauges.containsKey(set.name())) {
            String name = set.name();
            expiryGauges.put(name, Gauge.builder(SET_EXPIRY, this, metrics -> metrics.secondsUntilExpiry(name))
                .description("Seconds until the pin-set expires and stops being enforced; negative once it has")
                .baseUnit("seconds")
                .tag("pin_set", name)
                .register(registry));
          }
        }
      }
    }
    expiringSets = expiring;
    for (Iterator<Map.Entry<String, Meter>> gauges = expiryGauges.entrySet().iterator(); gauges.hasNext(); ) {
      Map.Entry<String, Meter> gauge = gauges.next();
      if (!expiring.containsKey(gauge.getKey())) {
        registry.remove(gauge.getValue());
        gauges.remove();
      }
    }
  }

  /** Read at each scrape from the policy in force, so a reload that moves a set's expiry moves the gauge. */
  private double secondsUntilExpiry(String pinSet) {
    PinSet set = expiringSets.get(pinSet);
    return set == null ? Double.NaN : set.secondsUntilExpiry(clock.getAsLong());
  }
}
