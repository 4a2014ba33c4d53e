package dev.pinagent.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.policy.Policy;
import dev.pinagent.policy.yaml.PolicyLoader;
import dev.pinagent.testing.TestPki;
import java.lang.management.ManagementFactory;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

/**
 * The meters in an application's own Micrometer (a copy of Micrometer in a class loader of its own, as a shaded
 * agent sees the application's) and as MBeans.
 */
class MeterBridgesTest {
  private final List<String> log = new ArrayList<>();
  private final List<String> failures = new ArrayList<>();

  private static Policy policy(String extraSet) throws Exception {
    return PolicyLoader.parse("pins.yaml", "version: 1\nmode: enforce\npin-sets:\n"
        + "  - name: api\n    hosts: [api.example.com]\n    pins: [" + TestPki.randomPin() + "]\n"
        + (extraSet == null ? "" : "  - name: " + extraSet + "\n    hosts: [" + extraSet + ".example.com]\n"
            + "    pins: [" + TestPki.randomPin() + "]\n    expires: 2099-01-01\n"));
  }

  /** Micrometer as an application has it: its own copy, in a loader that cannot see the test's. */
  private static URLClassLoader applicationMicrometer() {
    List<URL> jars = new ArrayList<>();
    for (Class<?> fromJar : List.of(io.micrometer.core.instrument.Metrics.class,
        io.micrometer.common.KeyValue.class, io.micrometer.observation.Observation.class)) {
      jars.add(fromJar.getProtectionDomain().getCodeSource().getLocation());
    }
    return new URLClassLoader(jars.toArray(new URL[0]), ClassLoader.getPlatformClassLoader());
  }

  /** The application adds a registry to its global registry, as Spring Boot does; returns its text dump. */
  private static Object addRegistry(ClassLoader application) throws Exception {
    Object global = application.loadClass(GlobalRegistryBridge.METRICS_CLASS).getField("globalRegistry").get(null);
    Object registry = application.loadClass("io.micrometer.core.instrument.simple.SimpleMeterRegistry")
        .getConstructor().newInstance();
    global.getClass().getMethod("add", application.loadClass("io.micrometer.core.instrument.MeterRegistry"))
        .invoke(global, registry);
    return registry;
  }

  private static String dump(Object registry) throws Exception {
    return (String) registry.getClass().getMethod("getMetersAsString").invoke(registry);
  }

  @Test
  void joinsTheGlobalRegistryOfTheApplicationsOwnMicrometerAndFollowsNewSeriesAndReloads() throws Exception {
    PinCounters counters = new PinCounters(policy("legacy"), 100);
    counters.policyLoaded("aaaaaaaaaaaa", "/etc/pins.yaml", 1_000);
    counters.recordViolation(counters.policy().pinSets().get(0), "api.example.com", true);
    try (URLClassLoader application = applicationMicrometer()) {
      assertThat(application.loadClass(GlobalRegistryBridge.METRICS_CLASS))
          .isNotSameAs(io.micrometer.core.instrument.Metrics.class);
      GlobalRegistryBridge bridge = new GlobalRegistryBridge(counters, log::add);
      bridge.sync(List.of(application));
      assertThat(log).as("not before the application adds a registry to its global registry").isEmpty();
      Object registry = addRegistry(application);
      bridge.sync(List.of(application));
      assertThat(dump(registry))
          .contains("tls.pin.violations(COUNTER)[action='blocked', host='api.example.com', pin_set='api']; count=1.0")
          .contains("tls.pin.policy.info(GAUGE)[sha256='aaaaaaaaaaaa', source='/etc/pins.yaml']; value=1.0")
          .contains("tls.pin.set.expiry(GAUGE)[pin_set='legacy']");
      assertThat(log).singleElement().asString().startsWith("[pin-agent] metrics.global: the agent's meters joined");

      counters.recordViolation(counters.policy().pinSets().get(0), "evil.example.com", true);
      PinCounters reloaded = counters.forPolicy(policy(null));
      reloaded.policyLoaded("bbbbbbbbbbbb", "/etc/pins.yaml", 2_000);
      bridge.sync(List.of(application, application));
      assertThat(dump(registry))
          .contains("tls.pin.violations(COUNTER)[action='blocked', host='evil.example.com', pin_set='api']; count=1.0")
          .contains("tls.pin.policy.info(GAUGE)[sha256='bbbbbbbbbbbb'")
          .doesNotContain("sha256='aaaaaaaaaaaa'")
          .doesNotContain("tls.pin.set.expiry");
      assertThat(log).as("one loader, joined once").hasSize(1);
    }
  }

  @Test
  void saysOnceWhenTheApplicationHasNoMicrometer() {
    MeterBridges bridges = new MeterBridges(false, List::of, new PinCounters(Policy.builder(
        dev.pinagent.policy.Mode.ENFORCE).build(), 10), 2, log::add, (stage, e) -> failures.add(stage));
    for (int i = 0; i < 6; i++) {
      bridges.tick();
    }
    assertThat(log).singleElement().asString()
        .isEqualTo("[pin-agent] metrics.global: the application has not loaded Micrometer "
            + "(io.micrometer.core.instrument.Metrics) 60 s after start-up, so the agent's meters are in none of its "
            + "registries; they join if it does later");
    assertThat(failures).isEmpty();
  }

  @Test
  void saysOnceWhenTheApplicationsMicrometerHasNoRegistry() throws Exception {
    try (URLClassLoader application = applicationMicrometer()) {
      MeterBridges bridges = new MeterBridges(false, () -> List.of(application), new PinCounters(Policy.builder(
          dev.pinagent.policy.Mode.ENFORCE).build(), 10), 2, log::add, (stage, e) -> failures.add(stage));
      for (int i = 0; i < 6; i++) {
        bridges.tick();
      }
      assertThat(log).singleElement().asString()
          .startsWith("[pin-agent] metrics.global: the application's Micrometer has no registry in its global "
              + "registry");
      addRegistry(application);
      bridges.tick();
      assertThat(log).hasSize(2).last().asString().startsWith("[pin-agent] metrics.global: the agent's meters joined");
      assertThat(failures).isEmpty();
    }
  }

  @Test
  void aFailingApplicationMicrometerIsReportedOnceAndLeftAlone() {
    ClassLoader noMicrometer = new URLClassLoader(new URL[0], ClassLoader.getPlatformClassLoader());
    MeterBridges bridges = new MeterBridges(false, () -> List.of(noMicrometer),
        new PinCounters(Policy.builder(dev.pinagent.policy.Mode.ENFORCE).build(), 10), 100, log::add,
        (stage, e) -> failures.add(stage + ": " + e));
    bridges.tick();
    bridges.tick();
    assertThat(failures).singleElement().asString()
        .startsWith("metrics_global: java.lang.ClassNotFoundException: io.micrometer.core.instrument.Metrics");
  }

  @Test
  void registersTheMetersAsMBeansInTheAgentsDomain() throws Exception {
    PinCounters counters = new PinCounters(policy(null), 100);
    MeterBridges bridges = new MeterBridges(true, null, counters, 100, log::add, (stage, e) -> failures.add(stage));
    bridges.tick();
    counters.recordViolation(counters.policy().pinSets().get(0), "jmx.example.com", true);
    bridges.tick();
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    Set<ObjectName> names = server.queryNames(new ObjectName(MeterBridges.JMX_DOMAIN + ":name=tlsPinViolations.*"
        + "jmx.example.com*,*"), null);
    assertThat(names).singleElement();
    ObjectName name = names.iterator().next();
    assertThat(name.toString()).isEqualTo(
        "dev.pinagent:name=tlsPinViolations.action.blocked.host.jmx.example.com.pin_set.api,type=meters");
    assertThat(((Number) server.getAttribute(name, "Count")).doubleValue()).isEqualTo(1.0);
    assertThat(log).containsExactly("[pin-agent] metrics.jmx: the meters are MBeans in the JMX domain dev.pinagent");
    assertThat(failures).isEmpty();
  }
}
