package dev.pinagent.benchmarks;

import dev.pinagent.policy.yaml.PolicyLoader;
import dev.pinagent.verify.PinVerifier;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.security.cert.X509Certificate;
import java.util.Locale;
import javax.net.ssl.X509TrustManager;

/**
 * The agent's footprint: its jar's size, and the heap its check retains after 10,000 distinct hosts. Run:
 * {@code java -cp benchmarks/target/benchmarks.jar dev.pinagent.benchmarks.Footprint} from the root.
 */
public final class Footprint {
  private static final int HOSTS = 10_000;

  private Footprint() {}

  public static void main(String[] args) throws Exception {
    System.out.println(String.format(Locale.ROOT, "agent jar: %.2f MB (%d bytes)",
        Files.size(ForkedRuns.agentJar()) / 1e6, Files.size(ForkedRuns.agentJar())));
    Fixtures fixtures = new Fixtures();
    X509Certificate[] chain = fixtures.chain();
    X509TrustManager trustManager = fixtures.trustManager();
    PinVerifier verifier = PinVerifier.standalone(PolicyLoader.parse("footprint.yaml",
        "version: 1\npin-sets:\n  - name: all\n    hosts: [\"**.example.com\"]\n    pins: ["
            + fixtures.intermediate.pin() + ", " + fixtures.root.pin() + "]\n"), line -> { });
    verifier.check(chain, "warm-up.example.com", 443, trustManager);
    long before = retainedHeap();
    for (int i = 0; i < HOSTS; i++) {
      verifier.check(chain, "host" + i + ".example.com", 443, trustManager);
    }
    long after = retainedHeap();
    System.out.println(String.format(Locale.ROOT, "heap retained by the check after %d distinct hosts: %.2f MB",
        HOSTS, (after - before) / 1e6));
    if (verifier.hashCode() == 0) {
      System.out.println("(keeps the verifier reachable until here)");
    }
  }

  private static long retainedHeap() throws InterruptedException {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      System.gc();
      Thread.sleep(100);
      used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return used;
  }
}
