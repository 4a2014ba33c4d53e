package dev.pinagent.metrics;

import io.micrometer.core.instrument.Clock;
import io.micrometer.jmx.JmxConfig;
import io.micrometer.jmx.JmxMeterRegistry;

/**
 * The meters as MBeans ({@code metrics.jmx=true}), through Micrometer's JMX registry, for fleets that collect JMX
 * (jmx_exporter, Datadog's agent, JConsole). Each series is one MBean in the platform MBean server, named by
 * Micrometer's hierarchical name mapping: {@code dev.pinagent:name=tlsPinViolations.action.blocked.host.api.example
 * .com.pin_set.payments,type=meters}: a counter's value is the attribute {@code Count}, a gauge's ({@code
 * type=gauges}) the attribute {@code Value}. The only class that names the JMX
 * registry, so that it loads only when the option is on.
 */
final class JmxExport {
  private JmxExport() {}

  /** Registers the meters in {@code domain}; the returned view registers series that appear later at each refresh. */
  static PinMetrics register(PinCounters counters, String domain) {
    JmxMeterRegistry registry = new JmxMeterRegistry(new JmxConfig() {
      @Override
      public String get(String key) {
        return null;
      }

      @Override
      public String domain() {
        return domain;
      }
    }, Clock.SYSTEM);
    PinMetrics view = new PinMetrics(counters, System::currentTimeMillis);
    view.bindTo(registry);
    return view;
  }
}
