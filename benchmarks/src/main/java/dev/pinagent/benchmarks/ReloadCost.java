package dev.pinagent.benchmarks;

import dev.pinagent.log.AgentLog;
import dev.pinagent.metrics.CounterStore;
import dev.pinagent.metrics.PinCounters;
import dev.pinagent.policy.Policy;
import dev.pinagent.policy.yaml.PolicyLoader;
import dev.pinagent.reload.PolicyFile;
import dev.pinagent.reload.PolicyReloader;
import dev.pinagent.verify.CheckResult;
import dev.pinagent.verify.PinVerifier;
import dev.pinagent.verify.SpkiPins;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.X509TrustManager;

/**
 * What reloading a 10,000-set policy costs: how long from a look that finds the changed file to the swap (read,
 * fingerprint, parse, new snapshot: the work the reload thread does; the settling time and the wait for the next
 * look come on top, by design), and whether the threads checking chains meanwhile wait for it. A checking thread
 * runs warm checks through a volatile reference, as the agent's handshakes do, first alone and then while the
 * policy is reloaded again and again; its latency percentiles in the two phases are compared. Run: {@code java -cp
 * benchmarks/target/benchmarks.jar dev.pinagent.benchmarks.ReloadCost [reloads]}.
 */
public final class ReloadCost {
  private static final String HOST = "api.example.com";
  private static final int SETS = 10_000;

  private static volatile PinVerifier inForce;

  private ReloadCost() {}

  public static void main(String[] args) throws Exception {
    int reloads = args.length > 0 ? Integer.parseInt(args[0]) : 30;
    Fixtures fixtures = new Fixtures();
    X509Certificate[] chain = fixtures.chain();
    X509TrustManager trustManager = fixtures.trustManager();
    Path directory = Files.createTempDirectory("pin-agent-reload");
    Path file = directory.resolve("pins.yaml");
    String[] versions = {fixtures.policy(SETS, false, HOST), fixtures.policy(SETS, false, HOST) + "# v2\n"};
    Fixtures.write(file, versions[0]);
    System.out.println("machine: " + Runtime.getRuntime().availableProcessors() + " CPUs, Java "
        + System.getProperty("java.version") + "; policy of " + SETS + " sets, " + Files.size(file) / 1024 + " KiB");

    Policy first = PolicyLoader.load(file);
    CounterStore store = new CounterStore(100);
    SpkiPins spkiPins = new SpkiPins(4096);
    inForce = new PinVerifier(first, new PinCounters(first, store), spkiPins, line -> { }, System::currentTimeMillis);
    PolicyReloader reloader = new PolicyReloader(new PolicyFile(file), (policy, sha256) -> {
      // What the agent's switch does, but for emptying session caches and logging.
      PinVerifier next = new PinVerifier(policy, inForce.counters().forPolicy(policy), spkiPins, line -> { },
          System::currentTimeMillis);
      inForce = next;
    }, store, AgentLog.text(line -> { }), 0, PolicyReloader.fingerprint(versions[0].getBytes(java.nio.charset.StandardCharsets.UTF_8)));

    // Warm everything up: the JIT, then one reload each way.
    Checker checker = new Checker(chain, trustManager);
    Thread checking = new Thread(checker, "checker");
    checking.start();
    for (int i = 0; i < 6; i++) {
      replace(file, versions[(i + 1) % 2]);
      reloader.poll();
    }
    Thread.sleep(2_000);

    long[] idle = checker.sample(3_000);
    List<Double> reloadMillis = new ArrayList<>();
    checker.startSampling();
    for (int i = 0; i < reloads; i++) {
      replace(file, versions[i % 2]);
      long start = System.nanoTime();
      reloader.poll();
      reloadMillis.add((System.nanoTime() - start) / 1e6);
    }
    long[] during = checker.stopSampling();
    checker.stop.set(true);
    checking.join();

    reloadMillis.sort(null);
    System.out.println(String.format(Locale.ROOT, "reload of a %d-set policy, from the look that finds it changed "
        + "to the swap (%d reloads): median %.0f ms, max %.0f ms", SETS, reloads,
        reloadMillis.get(reloadMillis.size() / 2), reloadMillis.get(reloadMillis.size() - 1)));
    System.out.println("warm checks on another thread, latency (ns), alone: " + percentiles(idle));
    System.out.println("                               during reloads: " + percentiles(during));
  }

  private static void replace(Path file, String text) throws Exception {
    Path next = file.resolveSibling("next.yaml");
    Fixtures.write(next, text);
    Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static String percentiles(long[] latencies) {
    long[] sorted = latencies.clone();
    Arrays.sort(sorted);
    return String.format(Locale.ROOT, "%d checks, p50 %d, p99 %d, p99.9 %d, max %d", sorted.length,
        at(sorted, 0.5), at(sorted, 0.99), at(sorted, 0.999), sorted[sorted.length - 1]);
  }

  private static long at(long[] sorted, double quantile) {
    return sorted[(int) Math.min(sorted.length - 1, Math.floor(quantile * sorted.length))];
  }

  /** Checks the chain in a loop through the volatile reference; records each check's latency when asked. */
  private static final class Checker implements Runnable {
    final AtomicBoolean stop = new AtomicBoolean();
    private final X509Certificate[] chain;
    private final X509TrustManager trustManager;
    private volatile boolean sampling;
    private long[] samples = new long[4_000_000];
    private int count;

    Checker(X509Certificate[] chain, X509TrustManager trustManager) {
      this.chain = chain;
      this.trustManager = trustManager;
    }

    @Override
    public void run() {
      while (!stop.get()) {
        long start = System.nanoTime();
        try {
          if (inForce.check(chain, HOST, 443, trustManager) != CheckResult.MATCH) {
            throw new IllegalStateException("the chain must match under every version");
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
        long took = System.nanoTime() - start;
        if (sampling) {
          synchronized (this) {
            if (count < samples.length) {
              samples[count++] = took;
            }
          }
        }
      }
    }

    synchronized void startSampling() {
      count = 0;
      sampling = true;
    }

    synchronized long[] stopSampling() {
      sampling = false;
      return Arrays.copyOf(samples, count);
    }

    long[] sample(long millis) throws InterruptedException {
      startSampling();
      Thread.sleep(millis);
      return stopSampling();
    }
  }
}
