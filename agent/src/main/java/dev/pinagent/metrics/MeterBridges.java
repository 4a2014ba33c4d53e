package dev.pinagent.metrics;

import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The agent's meters outside its own endpoint: as MBeans ({@code metrics.jmx=true}) and in the application's own
 * Micrometer ({@code metrics.global=true}). Both are kept up to date by one daemon thread that looks every
 * {@link #SYNC_SECONDS} seconds, since neither has a scrape to hook as the endpoint has: a series that appears (a
 * new violating host, a reloaded policy's sets) shows there within that time.
 *
 * <p>{@code premain} only starts the thread: Micrometer and the JMX registry (with its Dropwizard reporter) load on
 * it, at its first look {@link #SYNC_SECONDS} seconds later (out of the way of the application's own start-up), and
 * only when their option is on. The JMX registry is named only by {@link JmxExport}, so loading this class loads
 * none of it.
 */
public final class MeterBridges {
  /** How often the MBeans and the application's registry are brought up to date. */
  static final long SYNC_SECONDS = 5;
  /** How long the application has to load Micrometer before {@code metrics.global} says it found none. */
  static final long GLOBAL_GRACE_SECONDS = 60;
  /**
   * The package of the application's Micrometer, put together at run time: the shade plugin rewrites every string
   * constant that starts with the name of a package it relocates, which would make this one name the agent's own
   * copy.
   */
  private static final String APPLICATION_PACKAGE = String.join(".", "io", "micrometer", "core", "instrument");

  /** The application's class whose {@code globalRegistry} the meters join ({@code metrics.global}). */
  public static final String APPLICATION_METRICS_CLASS = applicationClass("Metrics");

  /** The JMX domain of the agent's MBeans. */
  public static final String JMX_DOMAIN = "dev.pinagent";
  /** The {@code stage} of {@code tls.pin.agent.errors} for a failure of each bridge. */
  public static final String JMX_STAGE = "metrics_jmx";
  public static final String GLOBAL_STAGE = "metrics_global";

  private final PinCounters counters;
  private final Supplier<List<ClassLoader>> micrometerLoaders;
  private final Consumer<String> log;
  private final BiConsumer<String, Throwable> onFailure;
  private final long graceTicks;
  private final boolean jmx;
  private PinMetrics jmxMetrics;
  private GlobalRegistryBridge global;
  private long ticks;
  private boolean jmxFailed;
  private boolean globalFailed;

  MeterBridges(boolean jmx, Supplier<List<ClassLoader>> micrometerLoaders, PinCounters counters, long graceTicks,
      Consumer<String> log, BiConsumer<String, Throwable> onFailure) {
    this.jmx = jmx;
    this.micrometerLoaders = micrometerLoaders;
    this.counters = counters;
    this.graceTicks = graceTicks;
    this.log = log;
    this.onFailure = onFailure;
  }

  /**
   * Starts the thread.
   *
   * @param jmx whether to register MBeans
   * @param micrometerLoaders the class loaders that have loaded the application's Micrometer so far, or {@code null}
   *     when {@code metrics.global} is off
   * @param onFailure told of a failure, with its stage ({@link #JMX_STAGE}, {@link #GLOBAL_STAGE}); a bridge that
   *     failed is not tried again
   */
  public static void startInBackground(boolean jmx, Supplier<List<ClassLoader>> micrometerLoaders,
      PinCounters counters, Consumer<String> log, BiConsumer<String, Throwable> onFailure) {
    MeterBridges bridges = new MeterBridges(jmx, micrometerLoaders, counters,
        GLOBAL_GRACE_SECONDS / SYNC_SECONDS, log, onFailure);
    ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(task -> {
      Thread daemon = new Thread(task, "pin-agent-metrics-bridges");
      daemon.setDaemon(true);
      return daemon;
    });
    thread.scheduleWithFixedDelay(bridges::tick, SYNC_SECONDS, SYNC_SECONDS, TimeUnit.SECONDS);
  }

  /** {@code io.micrometer.core.instrument.<simpleName>}: a class of the application's Micrometer, unrelocated. */
  static String applicationClass(String simpleName) {
    return APPLICATION_PACKAGE + "." + simpleName;
  }

  /** One look: starts what is not started, brings the rest up to date. Never throws. */
  synchronized void tick() {
    ticks++;
    if (jmx && !jmxFailed) {
      try {
        if (jmxMetrics == null) {
          QuietMicrometerLogging.install();
          jmxMetrics = JmxExport.register(counters, JMX_DOMAIN);
          log.accept("[pin-agent] metrics.jmx: the meters are MBeans in the JMX domain " + JMX_DOMAIN);
        }
        jmxMetrics.refresh();
      } catch (RuntimeException | Error e) {
        // Caught whole, as below: an exception out of a scheduled task would end every later look.
        jmxFailed = true;
        onFailure.accept(JMX_STAGE, e);
      }
    }
    if (micrometerLoaders != null && !globalFailed) {
      try {
        if (global == null) {
          QuietMicrometerLogging.install();
          global = new GlobalRegistryBridge(counters, log);
        }
        List<ClassLoader> loaders = micrometerLoaders.get();
        global.sync(loaders);
        if (ticks == graceTicks + 1 && !global.bridged()) {
          log.accept("[pin-agent] metrics.global: " + (loaders.isEmpty()
              ? "the application has not loaded Micrometer (" + APPLICATION_METRICS_CLASS + ")"
              : "the application's Micrometer has no registry in its global registry")
              + " " + GLOBAL_GRACE_SECONDS + " s after start-up, so the agent's meters are in none of its registries;"
              + " they join if it does later");
        }
      } catch (ReflectiveOperationException | RuntimeException | Error e) {
        // An application's Micrometer unlike the one this was written against: stop trying rather than fail
        // every few seconds. Caught whole: an exception out of a scheduled task would end every later look.
        globalFailed = true;
        onFailure.accept(GLOBAL_STAGE, e);
      }
    }
  }
}
