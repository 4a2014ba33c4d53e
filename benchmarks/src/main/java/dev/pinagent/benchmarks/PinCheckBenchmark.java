package dev.pinagent.benchmarks;

import dev.pinagent.verify.ViolationListener;
import dev.pinagent.inventory.InventoryRecorder;
import dev.pinagent.metrics.PinCounters;
import dev.pinagent.policy.PinSet;
import dev.pinagent.policy.Policy;
import dev.pinagent.policy.yaml.PolicyLoader;
import dev.pinagent.verify.CheckResult;
import dev.pinagent.verify.PinMatcher;
import dev.pinagent.verify.PinVerifier;
import dev.pinagent.verify.SignatureCache;
import dev.pinagent.verify.SpkiPins;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import javax.net.ssl.X509TrustManager;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One pin check in-process: a 3-certificate chain against policies of 1, 100 and 10,000 pin-sets, exact or
 * wildcard. {@code warm}: the agent's check on a chain it has seen (what every handshake after the first
 * costs). {@code cold}: first sight of the chain by the agent, with empty caches: path search, PKIX
 * validation of the path through the pinned key, SPKI hashing, host identity. Its signature checks reuse what the JDK's validator already verified on the same
 * certificate objects (the JDK caches that), as in a real handshake; {@code signatureCheck} is what one
 * signature costs when nothing did (a trust-all client). {@code warmInventoryOn}: {@code warm} with the inventory
 * recording ({@code inventory.file}), its daemon thread running: what the handshake's thread adds is a lookup and
 * a counter.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PinCheckBenchmark {
  private static final String HOST = "api.example.com";

  @Param({"1", "100", "10000"})
  public int pinSets;

  @Param({"exact", "wildcard"})
  public String pattern;

  private X509Certificate[] chain;
  private X509TrustManager trustManager;
  private PinVerifier verifier;
  /** As the agent holds it: a snapshot behind a volatile reference, here one made by a reload. */
  private volatile PinVerifier reloaded;
  private PinVerifier recordingVerifier;
  private PinSet set;

  @Setup
  public void setUp() throws Exception {
    Fixtures fixtures = new Fixtures();
    chain = fixtures.chain();
    trustManager = fixtures.trustManager();
    Policy policy = PolicyLoader.parse("bench.yaml", fixtures.policy(pinSets, pattern.equals("wildcard"), HOST));
    set = policy.match(HOST);
    verifier = PinVerifier.standalone(policy, line -> { });
    if (verifier.check(chain, HOST, 443, trustManager) != CheckResult.MATCH) {
      throw new IllegalStateException("the benchmark chain must match");
    }
    Policy next = PolicyLoader.parse("bench.yaml", fixtures.policy(pinSets, pattern.equals("wildcard"), HOST));
    reloaded = new PinVerifier(next, verifier.counters().forPolicy(next), new SpkiPins(4096), line -> { },
        System::currentTimeMillis);
    if (reloaded.check(chain, HOST, 443, trustManager) != CheckResult.MATCH) {
      throw new IllegalStateException("the benchmark chain must match after the reload");
    }
    InventoryRecorder inventory = new InventoryRecorder(null, 2000, Duration.ofSeconds(60), new LongAdder(),
        System::currentTimeMillis, line -> { });
    inventory.start((stage, error) -> { });
    recordingVerifier = new PinVerifier(policy, new PinCounters(policy, 100), new SpkiPins(4096),
        System::currentTimeMillis, ViolationListener.logging(line -> { }), inventory);
    if (recordingVerifier.check(chain, HOST, 443, trustManager) != CheckResult.MATCH
        || !inventory.json().contains(HOST)) {
      throw new IllegalStateException("the benchmark chain must match and be recorded");
    }
  }

  @Benchmark
  public CheckResult warm() throws Exception {
    return verifier.check(chain, HOST, 443, trustManager);
  }

  /** The warm check as the agent runs it after a reload: one volatile read, then the new snapshot's check. */
  @Benchmark
  public CheckResult warmAfterReload() throws Exception {
    return reloaded.check(chain, HOST, 443, trustManager);
  }

  @Benchmark
  public CheckResult warmInventoryOn() throws Exception {
    return recordingVerifier.check(chain, HOST, 443, trustManager);
  }

  /**
   * What a trust-all client's first handshake adds: one signature check the JDK did not make (EC P-256,
   * ECDSA with SHA-256 over the certificate body), measured with the JCA directly so nothing is cached.
   */
  @Benchmark
  public boolean signatureCheck() throws Exception {
    java.security.Signature signature = java.security.Signature.getInstance(chain[0].getSigAlgName());
    signature.initVerify(chain[1].getPublicKey());
    signature.update(chain[0].getTBSCertificate());
    return signature.verify(chain[0].getSignature());
  }

  /**
   * Warmed longer than the others: after parsing a 10,000-set policy in its set-up, the JIT's queue holds that
   * work first, and this path ran some 10x slower for the first several seconds on a 2-CPU machine.
   */
  @Benchmark
  @Warmup(iterations = 10, time = 1)
  public boolean cold() {
    return new PinMatcher(new SpkiPins(8), new SignatureCache(8)).match(chain, set, List.of(HOST), trustManager)
        .matched();
  }
}
