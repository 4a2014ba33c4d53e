package dev.pinagent.testing;

import dev.pinagent.verify.ViolationListener;
import dev.pinagent.inventory.InventoryRecorder;
import dev.pinagent.metrics.PinCounters;
import dev.pinagent.policy.Policy;
import dev.pinagent.policy.yaml.PolicyLoader;
import dev.pinagent.testing.TestPki.Issued;
import dev.pinagent.verify.PinVerifier;
import dev.pinagent.verify.SpkiPins;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;
import javax.net.ssl.X509TrustManager;

/**
 * Two partners' PKIs (each a root and an issuing CA) and an interceptor's root, all trusted by one JVM, and
 * leaves for any host: what a service's inventory is made of in tests.
 */
public final class Fleet {
  public final Issued rootA = TestPki.ca("CN=Alpha Root CA,O=Alpha").build();
  public final Issued issuerA = TestPki.ca("CN=Alpha Issuing CA,O=Alpha").pathLength(0).issuedBy(rootA).build();
  public final Issued rootB = TestPki.ca("CN=Beta Root CA,O=Beta").build();
  public final Issued issuerB = TestPki.ca("CN=Beta Issuing CA,O=Beta").pathLength(0).issuedBy(rootB).build();
  public final Issued evilRoot = TestPki.ca("CN=Evil Root CA,O=Interceptor").build();
  public final X509TrustManager trustManager = TestPki.trustManager(rootA.certificate, rootB.certificate,
      evilRoot.certificate);

  /** The chain a server sends for {@code host}: a fresh leaf from {@code issuer}, and {@code issuer}. */
  public X509Certificate[] chain(Issued issuer, String host) {
    Issued leaf = TestPki.leaf(host).dns(host).issuedBy(issuer).build();
    return TestPki.chain(leaf.certificate, issuer.certificate);
  }

  /** An interceptor's chain for {@code host}: a leaf from its root, trusted by the same JVM. */
  public X509Certificate[] interception(String host) {
    return TestPki.chain(TestPki.leaf(host).dns(host).issuedBy(evilRoot).build().certificate);
  }

  /** A verifier of {@code yaml} that tells {@code recorder} of what it checks. */
  public static PinVerifier verifier(String yaml, InventoryRecorder recorder) {
    try {
      Policy policy = PolicyLoader.parse("p.yaml", yaml);
      return new PinVerifier(policy, new PinCounters(policy, 10), new SpkiPins(100),
          System::currentTimeMillis, ViolationListener.logging(line -> { }), recorder);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A recorder kept in memory (no file). */
  public static InventoryRecorder recorder(int maxHosts, LongAdder dropped) {
    return new InventoryRecorder(null, maxHosts, Duration.ofSeconds(60), dropped, System::currentTimeMillis,
        line -> { });
  }
}
