package dev.pinagent.metrics;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The Prometheus export of the counters: the scrape endpoint, and Micrometer's registry behind it.
 *
 * <p>Both wait as long as they can, because nothing pinned needs them (the meters read counters that count
 * from the first handshake) and Micrometer's start-up was most of the agent's. The port is bound on a daemon
 * thread right away, so a port already in use is reported at start-up; Micrometer starts on the first scrape,
 * which therefore takes a few hundred milliseconds longer than the rest. Every thread of the endpoint is a
 * daemon, so none keeps the host JVM alive.
 *
 * <p>Only this class names Micrometer on the agent's start-up path, so a service without the endpoint never
 * loads it.
 */
public final class PrometheusExport implements Supplier<String> {
  private final PinCounters counters;
  private final LongSupplier clock;
  private final Consumer<Throwable> onFailure;
  private PrometheusMeterRegistry registry;
  private PinMetrics metrics;

  PrometheusExport(PinCounters counters, LongSupplier clock, Consumer<Throwable> onFailure) {
    this.counters = counters;
    this.clock = clock;
    this.onFailure = onFailure;
  }

  /**
   * Binds {@code host:port} and serves {@code counters} at {@code /metrics} from a daemon thread; tells
   * {@code onStarted} the URL, or {@code onFailure} what went wrong (also for a scrape that fails later).
   */
  public static void startInBackground(String host, int port, PinCounters counters, Consumer<String> onStarted,
      Consumer<Throwable> onFailure) {
    startInBackground(host, port, counters, null, onStarted, onFailure);
  }

  /** {@link #startInBackground(String, int, PinCounters, Consumer, Consumer)}, also serving {@code /inventory}. */
  public static void startInBackground(String host, int port, PinCounters counters, Supplier<String> inventory,
      Consumer<String> onStarted, Consumer<Throwable> onFailure) {
    PrometheusExport export = new PrometheusExport(counters, System::currentTimeMillis, onFailure);
    Thread starter = new Thread(() -> {
      try {
        MetricsEndpoint endpoint = MetricsEndpoint.start(host, port, export, inventory, onFailure);
        // At exit the JVM waits up to 300 ms for every thread blocked in native code, as the endpoint's
        // selector thread is; closing the endpoint first spares the host that wait.
        Runtime.getRuntime().addShutdownHook(new Thread(endpoint::close, "pin-agent-metrics-stop"));
        onStarted.accept("http://" + host + ":" + endpoint.port() + "/metrics");
      } catch (IOException | RuntimeException | Error e) {
        onFailure.accept(e);
      }
    }, "pin-agent-metrics-start");
    starter.setDaemon(true);
    starter.start();
  }

  /** The scrape: the Prometheus text of every meter, starting Micrometer on the first call. */
  @Override
  public synchronized String get() {
    try {
      if (registry == null) {
        QuietMicrometerLogging.install();
        PrometheusMeterRegistry created = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        PinMetrics view = new PinMetrics(counters, clock);
        view.bindTo(created);
        registry = created;
        metrics = view;
      }
      metrics.refresh();
      return registry.scrape();
    } catch (RuntimeException | Error e) {
      onFailure.accept(e);
      throw e;
    }
  }
}
