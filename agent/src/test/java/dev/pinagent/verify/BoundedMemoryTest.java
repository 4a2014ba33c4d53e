package dev.pinagent.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.metrics.PinCounters;
import dev.pinagent.metrics.PinMetrics;
import dev.pinagent.policy.Policy;
import dev.pinagent.policy.yaml.PolicyLoader;
import dev.pinagent.testing.TestPki;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;

/**
 * Everything the agent remembers is bounded: tens of thousands of distinct hosts and thousands of distinct
 * certificates pass through the check, and what stays behind (SPKI pins, meters, host tags) is capped.
 */
class BoundedMemoryTest {
  private static final int CERTIFICATES = 2_000;
  private static final int HOSTS = 30_000;
  private static final int SPKI_CACHE = 500;
  private static final int HOST_TAGS = 50;

  @Test
  void retainsABoundedAmountWhateverPassesThrough() throws Exception {
    TestPki.Issued ca = TestPki.ca("CN=Many").build();
    X509Certificate[] leaves = new X509Certificate[CERTIFICATES];
    for (int i = 0; i < CERTIFICATES; i++) {
      leaves[i] = TestPki.leaf("host" + i + ".example.com").dns("host" + i + ".example.com").issuedBy(ca).build()
          .certificate;
    }
    TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
    factory.init(TestPki.trustStore(ca.certificate));
    X509TrustManager trustManager = (X509TrustManager) factory.getTrustManagers()[0];
    Policy policy = PolicyLoader.parse("p.yaml", "version: 1\nmode: report\npin-sets:\n  - name: all\n"
        + "    hosts: [\"**.example.com\"]\n    pins: [" + TestPki.randomPin() + "]\n");
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    PinCounters counters = new PinCounters(policy, HOST_TAGS);
    PinMetrics metrics = new PinMetrics(counters, System::currentTimeMillis);
    metrics.bindTo(registry);
    SpkiPins spkiPins = new SpkiPins(SPKI_CACHE);
    AtomicLong logged = new AtomicLong();
    PinVerifier verifier = new PinVerifier(policy, counters, spkiPins, line -> logged.incrementAndGet(),
        System::currentTimeMillis);

    long before = retainedHeap();
    for (int i = 0; i < HOSTS; i++) {
      verifier.check(new X509Certificate[] {leaves[i % CERTIFICATES]}, "h" + i + ".example.com", 443, trustManager);
    }
    metrics.refresh();
    long after = retainedHeap();

    assertThat(logged.get()).as("every check ran (and mismatched, in report mode)").isEqualTo(HOSTS);
    assertThat(spkiPins.size()).isLessThanOrEqualTo(SPKI_CACHE);
    assertThat(registry.get(PinMetrics.VIOLATIONS).functionCounters()).hasSizeLessThanOrEqualTo(HOST_TAGS + 2)
        .as("the capped hosts, 'other', and the set's series at zero");
    assertThat(registry.getMeters()).hasSizeLessThan(HOST_TAGS + 20);
    assertThat((after - before) / (1024 * 1024)).as("MiB retained after " + HOSTS + " hosts").isLessThan(8);
  }

  private static long retainedHeap() throws InterruptedException {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(50);
      used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
    }
    return used;
  }
}
