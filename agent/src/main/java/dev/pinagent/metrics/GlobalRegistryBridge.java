package dev.pinagent.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.ref.WeakReference;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;

/**
 * Puts the agent's meters into the application's own Micrometer ({@code metrics.global=true}): into its
 * {@code io.micrometer.core.instrument.Metrics.globalRegistry}, the composite registry Spring Boot's actuator adds
 * its registries to, so they appear in the service's {@code /actuator/prometheus} without a second port.
 *
 * <p>The agent's Micrometer is shaded: its classes are not the application's, and its meters cannot be handed
 * over. Once the application has added a registry to its global one, each of the agent's meters (kept in a
 * registry of the bridge's own, through {@link PinMetrics})
 * gets a twin made with the application's classes, by reflection: a function counter or gauge that reads the
 * agent's meter at each of the application's scrapes. Twins of meters the agent removes (the policy info of a
 * replaced policy, the expiry of a removed set) are removed too.
 *
 * <p>Every call happens on the agent's metrics thread ({@link #sync}), never on an application thread; a failure
 * is reported and leaves the application's registry as it was. The application's classes, registry and meters are
 * held weakly: an undeployed application is not kept alive by the agent.
 */
public final class GlobalRegistryBridge {
  /** The class whose {@code globalRegistry} the meters join. */
  public static final String METRICS_CLASS = MeterBridges.APPLICATION_METRICS_CLASS;

  private final SimpleMeterRegistry source = new SimpleMeterRegistry();
  private final PinMetrics metrics;
  private final Consumer<String> log;
  private final List<Twins> bridged = new ArrayList<>();

  public GlobalRegistryBridge(PinCounters counters, Consumer<String> log) {
    this.metrics = new PinMetrics(counters, System::currentTimeMillis);
    this.metrics.bindTo(source);
    this.log = log;
  }

  /** Whether the meters have joined at least one application registry so far. */
  public boolean bridged() {
    return !bridged.isEmpty();
  }

  /**
   * Joins the global registry of each of {@code loaders}' Micrometer not joined yet, and brings the twins of every
   * registry joined up to date with the agent's meters.
   *
   * @param loaders class loaders that have defined {@link #METRICS_CLASS}
   * @throws ReflectiveOperationException when an application's Micrometer is not shaped as expected
   */
  public synchronized void sync(List<ClassLoader> loaders) throws ReflectiveOperationException {
    metrics.refresh();
    for (ClassLoader loader : loaders) {
      Class<?> global = Class.forName(METRICS_CLASS, true, loader);
      if (!isBridged(global) && hasRegistries(global)) {
        bridged.add(new Twins(global));
        log.accept("[pin-agent] metrics.global: the agent's meters joined the application's Micrometer "
            + "(io.micrometer.core.instrument.Metrics.globalRegistry of " + loader + ")");
      }
    }
    List<Meter> meters = source.getMeters();
    for (Iterator<Twins> twins = bridged.iterator(); twins.hasNext(); ) {
      if (!twins.next().follow(meters)) {
        twins.remove();
      }
    }
  }

  /**
   * Whether the application has added a registry to its global registry. Until it has, the meters would count
   * nowhere, and joining before would make its Micrometer warn in its log that meters were registered before a
   * registry was added (Spring Boot adds its registries during start-up, which can take longer than a sync).
   */
  private static boolean hasRegistries(Class<?> global) throws ReflectiveOperationException {
    Object registry = global.getField("globalRegistry").get(null);
    return !((java.util.Collection<?>) registry.getClass().getMethod("getRegistries").invoke(registry)).isEmpty();
  }

  private boolean isBridged(Class<?> global) {
    for (Twins twins : bridged) {
      if (twins.global.get() == global) {
        return true;
      }
    }
    return false;
  }

  /** The application's twins of the agent's meters, in one application's global registry. */
  private static final class Twins {
    final WeakReference<Class<?>> global;
    /** By the agent meter's id: the application's meter. */
    final Map<Meter.Id, WeakReference<Object>> twins = new HashMap<>();

    Twins(Class<?> global) {
      this.global = new WeakReference<>(global);
    }

    /** Adds and removes twins to match {@code meters}; false once the application's Micrometer is gone. */
    boolean follow(List<Meter> meters) throws ReflectiveOperationException {
      Class<?> metricsClass = global.get();
      if (metricsClass == null) {
        return false;
      }
      // Looked up at each call rather than kept: a kept Method would hold the application's class loader.
      ClassLoader loader = metricsClass.getClassLoader();
      Object registry = metricsClass.getField("globalRegistry").get(null);
      Class<?> registryClass = Class.forName(MeterBridges.applicationClass("MeterRegistry"), false, loader);
      Class<?> meterClass = Class.forName(MeterBridges.applicationClass("Meter"), false, loader);
      Method counterBuilder = Class.forName(MeterBridges.applicationClass("FunctionCounter"), false, loader)
          .getMethod("builder", String.class, Object.class, ToDoubleFunction.class);
      Method gaugeBuilder = Class.forName(MeterBridges.applicationClass("Gauge"), false, loader)
          .getMethod("builder", String.class, Object.class, ToDoubleFunction.class);
      Set<Meter.Id> present = new HashSet<>();
      for (Meter meter : meters) {
        Meter.Id id = meter.getId();
        present.add(id);
        if (twins.containsKey(id)) {
          continue;
        }
        Object builder;
        if (meter instanceof FunctionCounter) {
          ToDoubleFunction<FunctionCounter> count = FunctionCounter::count;
          builder = counterBuilder.invoke(null, id.getName(), meter, count);
        } else if (meter instanceof Gauge) {
          ToDoubleFunction<Gauge> value = Gauge::value;
          builder = gaugeBuilder.invoke(null, id.getName(), meter, value);
        } else {
          continue;
        }
        Class<?> builderClass = builder.getClass();
        Method tag = builderClass.getMethod("tag", String.class, String.class);
        for (Tag each : id.getTagsAsIterable()) {
          tag.invoke(builder, each.getKey(), each.getValue());
        }
        if (id.getDescription() != null) {
          builderClass.getMethod("description", String.class).invoke(builder, id.getDescription());
        }
        if (id.getBaseUnit() != null) {
          builderClass.getMethod("baseUnit", String.class).invoke(builder, id.getBaseUnit());
        }
        Object twin = builderClass.getMethod("register", registryClass).invoke(builder, registry);
        twins.put(id, new WeakReference<>(twin));
      }
      Method remove = registryClass.getMethod("remove", meterClass);
      for (Iterator<Map.Entry<Meter.Id, WeakReference<Object>>> entries = twins.entrySet().iterator();
          entries.hasNext(); ) {
        Map.Entry<Meter.Id, WeakReference<Object>> entry = entries.next();
        if (!present.contains(entry.getKey())) {
          Object twin = entry.getValue().get();
          if (twin != null) {
            remove.invoke(registry, twin);
          }
          entries.remove();
        }
      }
      return true;
    }
  }
}
