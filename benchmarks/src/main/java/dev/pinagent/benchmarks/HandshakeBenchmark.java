package dev.pinagent.benchmarks;

import dev.pinagent.bridge.PinEnforcement;
import dev.pinagent.bridge.TrustManagerWrapping;
import dev.pinagent.policy.yaml.PolicyLoader;
import dev.pinagent.testing.TestTlsServer;
import dev.pinagent.verify.PinVerifier;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Full TLS 1.3 handshakes (no session resumption) to a server on loopback, with the client's trust manager
 * wrapped by the agent's {@code PinningTrustManager} and not wrapped, in the same run: their ratio is the
 * agent's cost per handshake.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 6, time = 2)
@Fork(1)
public class HandshakeBenchmark {
  private TestTlsServer server;
  private SSLSocketFactory plain;
  private SSLSocketFactory pinned;

  @Setup
  public void setUp() throws Exception {
    Fixtures fixtures = new Fixtures();
    server = TestTlsServer.start(fixtures.leaf.keyPair.getPrivate(), fixtures.leaf.certificate,
        fixtures.intermediate.certificate);
    PinVerifier verifier = PinVerifier.standalone(
        PolicyLoader.parse("bench.yaml", fixtures.policy(1, false, "localhost")), line -> { });
    TrustManagerWrapping.install(new PinEnforcement() {
      @Override
      public boolean mayReuseConnection(X509Certificate[] chain, String host) {
        return verifier.wouldAccept(chain, host);
      }

      @Override
      public Object policyStamp() {
        return verifier.policy();
      }

      @Override
      public boolean mayResumeAcrossNames(String checkedServerName, String requestedServerName, String peerHost) {
        return !verifier.pinsAnyOf(checkedServerName, requestedServerName, peerHost);
      }

      @Override
      public void check(X509Certificate[] chain, String serverName, String peerHost, int port,
          X509TrustManager trustManager) throws CertificateException {
        verifier.check(chain, serverName, peerHost, port, trustManager);
      }

      @Override
      public void wrapped(String source) {}

      @Override
      public void failed(String stage, Throwable error) {
        throw new IllegalStateException(stage, error);
      }
    });
    X509TrustManager original = fixtures.trustManager();
    plain = context(original).getSocketFactory();
    pinned = context((X509TrustManager) TrustManagerWrapping.wrap(original, "benchmark")).getSocketFactory();
  }

  private static SSLContext context(X509TrustManager trustManager) throws Exception {
    SSLContext context = SSLContext.getInstance("TLSv1.3");
    context.init(null, new TrustManager[] {trustManager}, null);
    return context;
  }

  @TearDown
  public void tearDown() {
    server.close();
    TrustManagerWrapping.install(null);
  }

  @Benchmark
  public String withoutAgent() throws Exception {
    return HandshakeLoop.handshake(plain, server.port());
  }

  @Benchmark
  public String withAgent() throws Exception {
    return HandshakeLoop.handshake(pinned, server.port());
  }
}
