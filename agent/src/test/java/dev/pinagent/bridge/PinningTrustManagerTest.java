package dev.pinagent.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pinagent.testing.AcceptingTrustManager;
import dev.pinagent.testing.EngineHandshake;
import dev.pinagent.testing.FixedKeyManager;
import dev.pinagent.testing.TestPki;
import dev.pinagent.testing.TestTlsServer;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;

/**
 * The wrapper only ever refuses more than the trust manager it wraps: every overload still asks the wrapped one
 * first (the JDK's chain and hostname checks), client checks pass through, and a refused chain is checked again in
 * full the next time it is presented. Each overload has its own row, since each is its own code path.
 */
class PinningTrustManagerTest {
  private static final X509Certificate[] CHAIN = {TestPki.ca("CN=Any").build().certificate};

  private final List<String> pinChecks = new ArrayList<>();
  private final List<X509TrustManager> anchorSources = new ArrayList<>();
  private boolean refusePins;

  private final PinEnforcement enforcement = new PinEnforcement() {
    @Override
    public void check(X509Certificate[] chain, String serverName, String peerHost, int port,
        X509TrustManager trustManager) throws CertificateException {
      pinChecks.add(serverName + " " + peerHost + " " + port);
      anchorSources.add(trustManager);
      if (refusePins) {
        throw new CertificateException("pin mismatch");
      }
    }

    @Override
    public void wrapped(String source) {}

    @Override
    public void failed(String stage, Throwable error) {}
  };

  /** One way a TLS client calls its trust manager. */
  private interface Overload {
    void check(X509ExtendedTrustManager manager, X509Certificate[] chain) throws CertificateException;
  }

  private static final Overload PLAIN = (manager, chain) -> manager.checkServerTrusted(chain, "RSA");
  private static final Overload SOCKET = (manager, chain) -> manager.checkServerTrusted(chain, "RSA", (Socket) null);
  private static final Overload ENGINE = (manager, chain) -> manager.checkServerTrusted(chain, "RSA",
      (SSLEngine) null);
  private static final List<Overload> SERVER_CHECKS = List.of(PLAIN, SOCKET, ENGINE);

  @Test
  void stillRunsTheJdksHostnameCheckUnderTheWrapperOnASocket() throws Exception {
    TestPki.Issued root = TestPki.ca("CN=Hostname Root").build();
    TestPki.Issued other = TestPki.leaf("other.example.com").dns("other.example.com").issuedBy(root).build();
    TestPki.Issued local = TestPki.leaf("localhost").dns("localhost").issuedBy(root).build();
    SSLContext client = clientContext(root);

    try (TestTlsServer wrongName = TestTlsServer.start(other.keyPair.getPrivate(), other.certificate);
        TestTlsServer rightName = TestTlsServer.start(local.keyPair.getPrivate(), local.certificate)) {
      assertThatThrownBy(() -> handshake(client, wrongName.port()))
          .as("the JDK refuses a certificate for another host").isInstanceOf(SSLException.class)
          .hasStackTraceContaining("No subject alternative DNS name matching localhost");
      assertThat(pinChecks).as("a chain the JDK refused is never pin-checked").isEmpty();
      handshake(client, rightName.port());
      assertThat(pinChecks).containsExactly("null localhost " + rightName.port());
    }
  }

  @Test
  void stillRunsTheJdksHostnameCheckUnderTheWrapperOnAnEngine() throws Exception {
    TestPki.Issued root = TestPki.ca("CN=Hostname Root").build();
    TestPki.Issued other = TestPki.leaf("other.example.com").dns("other.example.com").issuedBy(root).build();
    SSLContext client = clientContext(root);

    assertThatThrownBy(() -> engineHandshake(client, "api.example.com", other))
        .isInstanceOf(SSLException.class).hasStackTraceContaining("api.example.com");
    assertThat(pinChecks).isEmpty();
    SSLEngine checked = engineHandshake(client, "other.example.com", other);
    assertThat(pinChecks).containsExactly("other.example.com other.example.com 443");
    assertThat(checked.getSession().getValue(SessionResumption.CHECKED_UNDER))
        .as("the session is marked as checked, so that it may be resumed").hasToString(
            "checked by PinAgent for other.example.com");
  }

  @Test
  void neverPinChecksAChainTheWrappedTrustManagerRefusedOnAnyOverload() {
    PinningTrustManager wrapper = new PinningTrustManager(new Refusing(), enforcement);
    for (Overload overload : SERVER_CHECKS) {
      assertThatThrownBy(() -> overload.check(wrapper, CHAIN)).hasMessage("refused by the wrapped manager");
    }
    assertThat(pinChecks).isEmpty();
  }

  @Test
  void aNestedWrapperStillAsksItsOwnTrustManagerOnEveryOverload() {
    PinningTrustManager inner = new PinningTrustManager(new Refusing(), enforcement);
    PinningTrustManager outer = new PinningTrustManager(new Delegating(inner), enforcement);
    for (Overload overload : SERVER_CHECKS) {
      assertThatThrownBy(() -> overload.check(outer, CHAIN)).hasMessage("refused by the wrapped manager");
    }
    assertThat(pinChecks).isEmpty();
  }

  @Test
  void aBlockedChainIsCheckedAgainOnRetry() {
    refusePins = true;
    PinningTrustManager wrapper = new PinningTrustManager(new Accepting(), enforcement);
    for (Overload overload : SERVER_CHECKS) {
      assertThatThrownBy(() -> overload.check(wrapper, CHAIN)).hasMessage("pin mismatch");
      assertThatThrownBy(() -> overload.check(wrapper, CHAIN)).as("the retry").hasMessage("pin mismatch");
    }
    assertThat(pinChecks).hasSize(6);
  }

  @Test
  void anAcceptedChainIsCheckedAgainAtTheNextHandshake() throws Exception {
    PinningTrustManager wrapper = new PinningTrustManager(new Accepting(), enforcement);
    for (Overload overload : SERVER_CHECKS) {
      overload.check(wrapper, CHAIN);
      overload.check(wrapper, CHAIN);
    }
    assertThat(pinChecks).hasSize(6);
  }

  @Test
  void asksTheInnermostWrappedTrustManagerThatValidatedForAnchorsOnEveryOverload() throws Exception {
    Accepting validating = new Accepting();
    PinningTrustManager inner = new PinningTrustManager(validating, enforcement);
    Delegating application = new Delegating(inner);
    PinningTrustManager outer = new PinningTrustManager(application, enforcement);
    for (Overload overload : SERVER_CHECKS) {
      overload.check(outer, CHAIN);
    }
    assertThat(anchorSources).containsExactly(validating, validating, validating);
    for (Overload overload : SERVER_CHECKS) {
      overload.check(new PinningTrustManager(new Delegating(new Accepting()), enforcement), CHAIN);
    }
    assertThat(anchorSources.subList(3, 6)).as("nothing carried over from the earlier checks")
        .doesNotContain(validating);
  }

  @Test
  void keepsTheFirstWrappedTrustManagerThatValidatedWhenTwoDid() throws Exception {
    Accepting first = new Accepting();
    Accepting second = new Accepting();
    PinningTrustManager firstWrapped = new PinningTrustManager(first, enforcement);
    PinningTrustManager secondWrapped = new PinningTrustManager(second, enforcement);
    // An application manager that asks two wrapped ones in turn (two trust stores).
    X509ExtendedTrustManager both = new Delegating(firstWrapped) {
      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
          throws CertificateException {
        firstWrapped.checkServerTrusted(chain, authType, socket);
        secondWrapped.checkServerTrusted(chain, authType, socket);
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
          throws CertificateException {
        firstWrapped.checkServerTrusted(chain, authType, engine);
        secondWrapped.checkServerTrusted(chain, authType, engine);
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        firstWrapped.checkServerTrusted(chain, authType);
        secondWrapped.checkServerTrusted(chain, authType);
      }
    };
    PinningTrustManager outer = new PinningTrustManager(both, enforcement);
    for (Overload overload : SERVER_CHECKS) {
      overload.check(outer, CHAIN);
    }
    assertThat(anchorSources).containsExactly(first, first, first);
  }

  @Test
  void stillValidatesClientCertificatesInAServerJvm() {
    PinningTrustManager wrapper = new PinningTrustManager(new Refusing(), enforcement);
    assertThatThrownBy(() -> wrapper.checkClientTrusted(CHAIN, "RSA")).hasMessage("client refused");
    assertThatThrownBy(() -> wrapper.checkClientTrusted(CHAIN, "RSA", (Socket) null)).hasMessage("client refused");
    assertThatThrownBy(() -> wrapper.checkClientTrusted(CHAIN, "RSA", (SSLEngine) null))
        .hasMessage("client refused");
    assertThat(pinChecks).as("client chains are not pinned").isEmpty();
  }

  @Test
  void namesTheIssuersOfTheWrappedTrustManager() {
    PinningTrustManager wrapper = new PinningTrustManager(new Accepting(), enforcement);
    assertThat(wrapper.getAcceptedIssuers()).containsExactly(CHAIN);
    assertThat(wrapper).hasToString("PinningTrustManager[accepting]");
  }

  @Test
  void passesEveryCallThroughWhenNothingIsRefused() {
    PinningTrustManager wrapper = new PinningTrustManager(new Accepting(), enforcement);
    assertThatCode(() -> wrapper.checkClientTrusted(CHAIN, "RSA")).doesNotThrowAnyException();
  }

  private SSLContext clientContext(TestPki.Issued root) throws Exception {
    TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
    factory.init(TestPki.trustStore(root.certificate));
    X509ExtendedTrustManager jdk = (X509ExtendedTrustManager) factory.getTrustManagers()[0];
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, new TrustManager[] {new PinningTrustManager(jdk, enforcement)}, null);
    return context;
  }

  private static void handshake(SSLContext context, int port) throws Exception {
    try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("localhost", port)) {
      socket.setSoTimeout(10_000);
      SSLParameters parameters = socket.getSSLParameters();
      parameters.setEndpointIdentificationAlgorithm("HTTPS");
      socket.setSSLParameters(parameters);
      socket.startHandshake();
    }
  }

  private static SSLEngine engineHandshake(SSLContext context, String host, TestPki.Issued server)
      throws Exception {
    SSLEngine client = context.createSSLEngine(host, 443);
    client.setUseClientMode(true);
    SSLParameters parameters = client.getSSLParameters();
    parameters.setEndpointIdentificationAlgorithm("HTTPS");
    client.setSSLParameters(parameters);
    SSLContext serverContext = SSLContext.getInstance("TLS");
    serverContext.init(new KeyManager[] {new FixedKeyManager(server.keyPair.getPrivate(), server.certificate)},
        null, null);
    SSLEngine serverEngine = serverContext.createSSLEngine();
    serverEngine.setUseClientMode(false);
    EngineHandshake.run(client, serverEngine);
    return client;
  }

  private static class Accepting extends AcceptingTrustManager {
    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return CHAIN.clone();
    }

    @Override
    public String toString() {
      return "accepting";
    }
  }

  /** Refuses every chain, server or client, as the JDK's manager refuses an untrusted one. */
  private static final class Refusing extends X509ExtendedTrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      throw new CertificateException("client refused");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      throw new CertificateException("refused by the wrapped manager");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      throw new CertificateException("client refused");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      throw new CertificateException("refused by the wrapped manager");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      throw new CertificateException("client refused");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      throw new CertificateException("refused by the wrapped manager");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }

  /** An application's own manager that hands every server check to another. */
  private static class Delegating extends Accepting {
    private final X509ExtendedTrustManager delegate;

    Delegating(X509ExtendedTrustManager delegate) {
      this.delegate = delegate;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      delegate.checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      delegate.checkServerTrusted(chain, authType, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      delegate.checkServerTrusted(chain, authType);
    }
  }
}
