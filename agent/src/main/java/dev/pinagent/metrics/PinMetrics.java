package dev.pinagent.metrics;

import dev.pinagent.policy.Mode;
import dev.pinagent.policy.Pin;
import dev.pinagent.policy.PinSet;
import dev.pinagent.verify.CheckResult;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Every meter of the agent, as a view of {@link PinCounters}: each meter reads a counter the check already
 * keeps, so binding late (Micrometer starts at the first scrape) loses no count. Series that appear later (a
 * new violating host, a wrapping source, an error stage) get their meters at the next {@link #refresh()},
 * which the endpoint calls before each scrape: Micrometer never runs on a handshake's thread.
 */
public final class PinMetrics implements MeterBinder {
  public static final String CHECKS = "tls.pin.checks";
  public static final String MATCHES = "tls.pin.matches";
  public static final String VIOLATIONS = "tls.pin.violations";
  public static final String POLICY_LOADS = "tls.pin.policy.loads";
  public static final String SET_EXPIRY = "tls.pin.set.expiry";
  public static final String WRAPPED = "tls.pin.trust.managers.wrapped";
  public static final String AGENT_ERRORS = "tls.pin.agent.errors";
  public static final String REPORTS = "tls.pin.reports";

  /** The pin_set tag of checks no pin-set covers. */
  public static final String NO_PIN_SET = "none";

  private final PinCounters counters;
  private final LongSupplier clock;
  /** Series of the dynamic meters already registered. */
  private final Set<Object> registeredSeries = ConcurrentHashMap.newKeySet();
  private volatile MeterRegistry registry;

  public PinMetrics(PinCounters counters, LongSupplier clock) {
    this.counters = counters;
    this.clock = clock;
  }

  /** Binds to one registry; a second call is refused, as the series already registered are not tracked per registry. */
  @Override
  public void bindTo(MeterRegistry registry) {
    if (this.registry != null) {
      throw new IllegalStateException("these meters are already bound to a registry");
    }
    for (PinSet set : counters.policy().pinSets()) {
      for (CheckResult result : PinCounters.SET_RESULTS) {
        checkCounter(registry, set.name(), result, set.mode(), counters.checks(set, result));
      }
      for (Map.Entry<Pin, LongAdder> pin : counters.pinMatches(set).entrySet()) {
        FunctionCounter.builder(MATCHES, pin.getValue(), LongAdder::doubleValue)
            .description("TLS server chains that matched their pin-set, by the pinned key found on the "
                + "certification path (the one nearest the leaf)")
            .baseUnit("matches")
            .tag("pin_set", set.name())
            .tag("pin", pin.getKey().toString())
            .register(registry);
      }
      if (set.expires().isPresent()) {
        Gauge.builder(SET_EXPIRY, set, s -> s.secondsUntilExpiry(clock.getAsLong()))
            .description("Seconds until the pin-set expires and stops being enforced; negative once it has")
            .baseUnit("seconds")
            .tag("pin_set", set.name())
            .register(registry);
      }
    }
    Mode defaultMode = counters.policy().defaultMode();
    checkCounter(registry, NO_PIN_SET, CheckResult.UNPINNED, defaultMode, counters.unpinned());
    checkCounter(registry, NO_PIN_SET, CheckResult.UNKNOWN_HOST, defaultMode, counters.unknownHost());
    for (boolean success : new boolean[] {true, false}) {
      FunctionCounter.builder(POLICY_LOADS, counters.policyLoads(success), LongAdder::doubleValue)
          .description("Pin policy loads, by outcome")
          .tag("result", success ? "success" : "failure")
          .register(registry);
    }
    for (Map.Entry<String, LongAdder> outcome : counters.reports().entrySet()) {
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

  /** Registers the meters of series counted since the last call (or since {@link #bindTo}). */
  public void refresh() {
    MeterRegistry current = registry;
    if (current != null) {
      registerNewSeries(current);
    }
  }

  private static void checkCounter(MeterRegistry registry, String pinSet, CheckResult result, Mode mode,
      LongAdder count) {
    FunctionCounter.builder(CHECKS, count, LongAdder::doubleValue)
        .description("TLS server chains checked against the pin policy, by outcome")
        .baseUnit("checks")
        .tag("pin_set", pinSet)
        .tag("result", result.id())
        .tag("mode", mode.id())
        .register(registry);
  }

  private void registerNewSeries(MeterRegistry registry) {
    for (Map.Entry<PinCounters.ViolationKey, LongAdder> violation : counters.violations().entrySet()) {
      PinCounters.ViolationKey key = violation.getKey();
      if (!registeredSeries.contains(key)) {
        FunctionCounter.builder(VIOLATIONS, violation.getValue(), LongAdder::doubleValue)
            .description("Pin mismatches, by pin-set, host and whether the connection was blocked")
            .baseUnit("violations")
            .tag("pin_set", key.set.name())
            .tag("host", key.host)
            .tag("action", key.blocked ? "blocked" : "reported")
            .register(registry);
        // Only once registered: a registration that failed is tried again at the next scrape.
        registeredSeries.add(key);
      }
    }
    registerOneTagSeries(registry, WRAPPED,
        "Trust managers wrapped with the pin check, by the hook that wrapped them", "source", counters.wrapped());
    registerOneTagSeries(registry, AGENT_ERRORS,
        "Failures inside the agent: a hook not installed, a trust manager not wrapped", "stage",
        counters.agentErrors());
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
}
