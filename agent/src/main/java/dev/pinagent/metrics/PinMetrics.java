package dev.pinagent.metrics;

import dev.pinagent.policy.Mode;
import dev.pinagent.policy.PinSet;
import dev.pinagent.policy.Policy;
import dev.pinagent.verify.CheckResult;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Every meter of the agent. Check counters for each pin-set are registered up front, so dashboards see a
 * zero rather than no series before the first handshake, and the hot path does no registry lookup.
 *
 * <p>Host names are the one unbounded tag value: the first {@code maxViolationHosts} distinct hosts keep their
 * name in {@code tls.pin.violations}, later ones are counted as {@code other}.
 */
public final class PinMetrics implements MeterBinder {
  public static final String CHECKS = "tls.pin.checks";
  public static final String VIOLATIONS = "tls.pin.violations";
  public static final String POLICY_LOADS = "tls.pin.policy.loads";
  public static final String SET_EXPIRY = "tls.pin.set.expiry";
  public static final String WRAPPED = "tls.pin.trust.managers.wrapped";
  public static final String AGENT_ERRORS = "tls.pin.agent.errors";

  /** The pin_set tag of checks no pin-set covers. */
  public static final String NO_PIN_SET = "none";

  public static final String OTHER_HOST = "other";

  private static final CheckResult[] SET_RESULTS = {
    CheckResult.MATCH, CheckResult.MISMATCH, CheckResult.EXPIRED, CheckResult.ERROR
  };

  private final Policy policy;
  private final int maxViolationHosts;
  private final LongSupplier clock;
  private final Set<String> violationHosts = ConcurrentHashMap.newKeySet();

  private volatile MeterRegistry registry;
  private volatile Map<PinSet, Counter[]> setChecks;
  private volatile Counter unpinned;
  private volatile Counter unknownHost;

  public PinMetrics(Policy policy, int maxViolationHosts, LongSupplier clock) {
    this.policy = policy;
    this.maxViolationHosts = maxViolationHosts;
    this.clock = clock;
  }

  @Override
  public void bindTo(MeterRegistry meterRegistry) {
    Map<PinSet, Counter[]> checks = new IdentityHashMap<>();
    for (PinSet set : policy.pinSets()) {
      Counter[] counters = new Counter[CheckResult.values().length];
      for (CheckResult result : SET_RESULTS) {
        counters[result.ordinal()] = checkCounter(meterRegistry, set.name(), result, set.mode());
      }
      checks.put(set, counters);
      if (set.expires().isPresent()) {
        Gauge.builder(SET_EXPIRY, set, s -> s.secondsUntilExpiry(clock.getAsLong()))
            .description("Seconds until the pin-set expires and stops being enforced; negative once it has")
            .baseUnit("seconds")
            .tag("pin_set", set.name())
            .register(meterRegistry);
      }
    }
    unpinned = checkCounter(meterRegistry, NO_PIN_SET, CheckResult.UNPINNED, policy.defaultMode());
    unknownHost = checkCounter(meterRegistry, NO_PIN_SET, CheckResult.UNKNOWN_HOST, policy.defaultMode());
    for (String result : new String[] {"success", "failure"}) {
      policyLoads(meterRegistry, result);
    }
    setChecks = checks;
    registry = meterRegistry;
  }

  private static Counter checkCounter(MeterRegistry registry, String pinSet, CheckResult result, Mode mode) {
    return Counter.builder(CHECKS)
        .description("TLS server chains checked against the pin policy, by outcome")
        .baseUnit("checks")
        .tag("pin_set", pinSet)
        .tag("result", result.id())
        .tag("mode", mode.id())
        .register(registry);
  }

  private static Counter policyLoads(MeterRegistry registry, String result) {
    return Counter.builder(POLICY_LOADS)
        .description("Pin policy loads, by outcome")
        .tag("result", result)
        .register(registry);
  }

  /** Counts one check; {@code set} is {@code null} for unpinned and unknown hosts. */
  public void recordCheck(PinSet set, CheckResult result) {
    Map<PinSet, Counter[]> checks = setChecks;
    if (checks == null) {
      return;
    }
    Counter counter;
    if (result == CheckResult.UNPINNED) {
      counter = unpinned;
    } else if (result == CheckResult.UNKNOWN_HOST) {
      counter = unknownHost;
    } else {
      counter = checks.get(set)[result.ordinal()];
    }
    counter.increment();
  }

  /** Counts a mismatch; {@code blocked} says whether the handshake was failed. */
  public void recordViolation(PinSet set, String host, boolean blocked) {
    MeterRegistry current = registry;
    if (current == null) {
      return;
    }
    Counter.builder(VIOLATIONS)
        .description("Pin mismatches, by pin-set, host and whether the connection was blocked")
        .tag("pin_set", set.name())
        .tag("host", cappedHost(host))
        .tag("action", blocked ? "blocked" : "reported")
        .register(current)
        .increment();
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

  public void recordPolicyLoad(boolean success) {
    MeterRegistry current = registry;
    if (current != null) {
      policyLoads(current, success ? "success" : "failure").increment();
    }
  }

  /** Counts a trust manager wrapped by the hook named {@code source}. */
  public void recordWrapped(String source) {
    MeterRegistry current = registry;
    if (current != null) {
      Counter.builder(WRAPPED)
          .description("Trust managers wrapped with the pin check, by the hook that wrapped them")
          .tag("source", source)
          .register(current)
          .increment();
    }
  }

  /** Counts a failure of the agent itself (instrumentation, wrapping, the metrics endpoint). */
  public void recordAgentError(String stage) {
    MeterRegistry current = registry;
    if (current != null) {
      Counter.builder(AGENT_ERRORS)
          .description("Failures inside the agent: a hook not installed, a trust manager not wrapped")
          .tag("stage", stage)
          .register(current)
          .increment();
    }
  }
}
