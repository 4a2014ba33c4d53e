package dev.pinagent.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pinagent.policy.Policy;
import dev.pinagent.policy.yaml.PolicyLoader;
import dev.pinagent.testing.TestPki;
import dev.pinagent.verify.PinVerifier;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TrustManagerWrappingTest {
  private final List<String> events = new ArrayList<>();
  private final List<String> checkedHosts = new ArrayList<>();
  private final List<X509TrustManager> anchorSources = new ArrayList<>();
  private boolean refuse;

  private final PinEnforcement recording = new PinEnforcement() {
      @Override
      public boolean mayReuseConnection(X509Certificate[] chain, String host) {
        return true;
      }

      @Override
      public Object policyStamp() {
        return this;
      }

      @Override
      public boolean mayResumeAcrossNames(String checkedServerName, String requestedServerName, String peerHost) {
        return false;
      }

    @Override
    public void check(X509Certificate[] chain, String serverName, String peerHost, int port,
        X509TrustManager trustManager) throws CertificateException {
      checkedHosts.add(String.valueOf(peerHost));
      anchorSources.add(trustManager);
      if (refuse) {
        throw new CertificateException("pin mismatch");
      }
    }

    @Override
    public void wrapped(String source) {
      events.add("wrapped " + source);
    }

    @Override
    public void failed(String stage, Throwable error) {
      events.add("failed " + stage);
    }
  };

  @BeforeEach
  void install() {
    TrustManagerWrapping.install(recording);
  }

  @AfterEach
  void uninstall() {
    TrustManagerWrapping.install(null);
  }

  private static X509ExtendedTrustManager jdkTrustManager() throws Exception {
    TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
    factory.init(TestPki.trustStore(TestPki.ca("CN=Test Root").build().certificate));
    return (X509ExtendedTrustManager) factory.getTrustManagers()[0];
  }

  @Test
  void keepsTheFirstAttachedAgentInForceAndNamesItsPolicyToASecond() throws Exception {
    TrustManagerWrapping.install(null);
    PinEnforcement second = new PinEnforcement() {
      @Override
      public void check(X509Certificate[] chain, String serverName, String peerHost, int port,
          X509TrustManager trustManager) {}

      @Override
      public void wrapped(String source) {
        events.add("wrapped by the second " + source);
      }

      @Override
      public void failed(String stage, Throwable error) {}
    };

    assertThat(TrustManagerWrapping.attach("/etc/fleet.yaml", recording)).isNull();
    assertThat(TrustManagerWrapping.attach("/etc/service.yaml", second)).isEqualTo("/etc/fleet.yaml");
    TrustManagerWrapping.wrap(jdkTrustManager(), "test");

    assertThat(TrustManagerWrapping.attachedPolicy()).isEqualTo("/etc/fleet.yaml");
    assertThat(events).containsExactly("wrapped test");
  }

  @Test
  void wrapsAnExtendedTrustManagerOnceAndReturnsTheSameWrapperAfterwards() throws Exception {
    X509ExtendedTrustManager original = jdkTrustManager();
    Object first = TrustManagerWrapping.wrap(original, "test");
    Object second = TrustManagerWrapping.wrap(original, "test");

    assertThat(first).isInstanceOf(PinningTrustManager.class).isSameAs(second);
    assertThat(((PinningTrustManager) first).delegate()).isSameAs(original);
    assertThat(TrustManagerWrapping.wrap(first, "test")).as("never wraps twice").isSameAs(first);
    assertThat(events).containsExactly("wrapped test");
  }

  @Test
  void leavesAPlainTrustManagerToTheJdkWhichAddsItsHostnameCheckFirst() {
    X509TrustManager plain = new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    };
    assertThat(TrustManagerWrapping.wrap(plain, "test")).isSameAs(plain);
    assertThat(TrustManagerWrapping.wrap("not a trust manager", "test")).isEqualTo("not a trust manager");
  }

  @Test
  void changesNothingBeforeTheAgentIsInstalled() throws Exception {
    TrustManagerWrapping.install(null);
    X509ExtendedTrustManager original = jdkTrustManager();
    assertThat(TrustManagerWrapping.wrap(original, "test")).isSameAs(original);
  }

  @Test
  void keepsLengthOrderAndArrayTypeAndNeverModifiesTheCallersArray() throws Exception {
    X509ExtendedTrustManager original = jdkTrustManager();
    TrustManager other = new TrustManager() {};
    X509TrustManager[] typed = {original};
    TrustManager[] mixed = {other, original};

    Object[] wrappedTyped = TrustManagerWrapping.wrapAll(typed, "factory");
    Object[] wrappedMixed = TrustManagerWrapping.wrapAll(mixed, "factory");

    assertThat(wrappedTyped).isInstanceOf(X509TrustManager[].class).hasSize(1);
    assertThat(wrappedTyped[0]).isInstanceOf(PinningTrustManager.class);
    assertThat(typed[0]).isSameAs(original);
    assertThat(wrappedMixed).isInstanceOf(TrustManager[].class).hasSize(2);
    assertThat(wrappedMixed[0]).isSameAs(other);
    assertThat(wrappedMixed[1]).isSameAs(wrappedTyped[0]);
    assertThat(mixed[1]).isSameAs(original);
  }

  @Test
  void returnsTheSameArrayWhenThereIsNothingToWrap() {
    TrustManager[] none = {new TrustManager() {}};
    assertThat(TrustManagerWrapping.wrapAll(none, "factory")).isSameAs(none);
    assertThat(TrustManagerWrapping.wrapAll(null, "factory")).isNull();
  }

  @Test
  void checksPinsOnlyAfterTheOriginalTrustManagerAccepted() throws Exception {
    PinningTrustManager wrapper = (PinningTrustManager) TrustManagerWrapping.wrap(jdkTrustManager(), "test");
    X509Certificate[] untrusted = {TestPki.ca("CN=Untrusted").build().certificate};

    assertThatThrownBy(() -> wrapper.checkServerTrusted(untrusted, "ECDHE_ECDSA"))
        .isInstanceOf(CertificateException.class)
        .isNotInstanceOf(IllegalStateException.class);
    assertThat(checkedHosts).as("a chain the JVM refuses never reaches the pin check").isEmpty();
  }

  @Test
  void checksOnlyOnceWhenWrappedTrustManagersAreNested() throws Exception {
    X509ExtendedTrustManager acceptAll = new AcceptAll();
    PinningTrustManager inner = (PinningTrustManager) TrustManagerWrapping.wrap(acceptAll, "inner");
    X509ExtendedTrustManager application = new Delegating(inner);
    PinningTrustManager outer = (PinningTrustManager) TrustManagerWrapping.wrap(application, "outer");
    X509Certificate[] chain = {TestPki.ca("CN=Any").build().certificate};

    outer.checkServerTrusted(chain, "RSA");
    assertThat(checkedHosts).hasSize(1);
    inner.checkServerTrusted(chain, "RSA");
    assertThat(checkedHosts).as("the guard is released after each check").hasSize(2);
  }

  @Test
  void stillChecksAnotherHandshakeThatATrustManagerMakesWhileChecking() throws Exception {
    X509Certificate[] otherChain = {TestPki.ca("CN=Validation Service").build().certificate};
    PinningTrustManager validationService = (PinningTrustManager) TrustManagerWrapping.wrap(new AcceptAll(), "v");
    X509ExtendedTrustManager callsOut = new Delegating(new AcceptAll()) {
      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        validationService.checkServerTrusted(otherChain, authType);
      }
    };
    PinningTrustManager outer = (PinningTrustManager) TrustManagerWrapping.wrap(callsOut, "outer");

    outer.checkServerTrusted(new X509Certificate[] {TestPki.ca("CN=Any").build().certificate}, "RSA");

    assertThat(checkedHosts).as("the inner handshake and the outer one are both checked").hasSize(2);
  }

  /**
   * Issue 11, item 8: an application's manager delegates its checks to one from a (wrapped) factory but names
   * no issuers. The anchors are looked up in the manager that really validated the chain.
   */
  @Test
  void asksTheWrappedTrustManagerThatValidatedForAnchorsWhenTheApplicationsOwnDelegatesToIt() throws Exception {
    X509ExtendedTrustManager validating = new AcceptAll();
    PinningTrustManager fromFactory = (PinningTrustManager) TrustManagerWrapping.wrap(validating, "factory");
    PinningTrustManager outer = (PinningTrustManager) TrustManagerWrapping.wrap(new Delegating(fromFactory), "ssl");

    outer.checkServerTrusted(new X509Certificate[] {TestPki.ca("CN=Any").build().certificate}, "RSA");

    assertThat(anchorSources).containsExactly(validating);
  }

  @Test
  void asksTheOuterTrustManagerWhenNoWrappedOneValidatedInsideIt() throws Exception {
    X509ExtendedTrustManager application = new Delegating(new AcceptAll());
    PinningTrustManager outer = (PinningTrustManager) TrustManagerWrapping.wrap(application, "ssl");
    X509Certificate[] chain = {TestPki.ca("CN=Any").build().certificate};

    outer.checkServerTrusted(chain, "RSA");
    PinningTrustManager fromFactory = (PinningTrustManager) TrustManagerWrapping.wrap(new AcceptAll(), "factory");
    ((PinningTrustManager) TrustManagerWrapping.wrap(new Delegating(fromFactory), "ssl")).checkServerTrusted(chain,
        "RSA");
    outer.checkServerTrusted(chain, "RSA");

    assertThat(anchorSources).as("what an earlier check found inside does not carry over")
        .containsExactly(application, fromFactory.delegate(), application);
  }

  @Test
  void neverAsksAnInnerTrustManagerThatRefusedTheChain() throws Exception {
    PinningTrustManager refusing = (PinningTrustManager) TrustManagerWrapping.wrap(jdkTrustManager(), "factory");
    // A "log and carry on" manager: it asks the real one, ignores its refusal and names no issuers.
    X509ExtendedTrustManager carriesOn = new Delegating(refusing) {
      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {
        try {
          refusing.checkServerTrusted(chain, authType);
        } catch (CertificateException e) {
          // Logged and ignored, as such managers do.
        }
      }
    };
    PinningTrustManager outer = (PinningTrustManager) TrustManagerWrapping.wrap(carriesOn, "ssl");

    outer.checkServerTrusted(new X509Certificate[] {TestPki.ca("CN=Untrusted").build().certificate}, "RSA");

    assertThat(anchorSources).containsExactly(carriesOn);
  }

  @Test
  void matchesAPinnedRootBehindAHandWrittenTrustManagerThatNamesNoIssuers() throws Exception {
    TestPki.Issued root = TestPki.ca("CN=Private Root").build();
    TestPki.Issued intermediate = TestPki.ca("CN=Private Issuing CA").issuedBy(root).build();
    TestPki.Issued leaf = TestPki.leaf("api.example.com").dns("api.example.com").issuedBy(intermediate).build();
    TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
    factory.init(TestPki.trustStore(root.certificate));
    // The factory hook wraps what the factory returns; the application keeps it and delegates to it.
    X509TrustManager fromFactory = (X509TrustManager) TrustManagerWrapping.wrapAll(factory.getTrustManagers(),
        "factory")[0];
    X509TrustManager handWritten = new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        fromFactory.checkClientTrusted(chain, authType);
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        fromFactory.checkServerTrusted(chain, authType);
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    };
    Policy policy = PolicyLoader.parse("p.yaml", "version: 1\npin-sets:\n  - name: api\n"
        + "    hosts: [api.example.com]\n    pins: [" + root.pin() + ", " + TestPki.randomPin() + "]\n");
    PinVerifier verifier = PinVerifier.standalone(policy, line -> { });
    TrustManagerWrapping.install(new PinEnforcement() {
      @Override
      public void check(X509Certificate[] chain, String serverName, String peerHost, int port,
          X509TrustManager trustManager) throws CertificateException {
        verifier.check(chain, serverName, "api.example.com", port, trustManager);
      }

      @Override
      public void wrapped(String source) {}

      @Override
      public void failed(String stage, Throwable error) {}
    });
    X509Certificate[] chain = {leaf.certificate, intermediate.certificate};

    // What SunJSSE puts around a plain manager (its own wrapper), wrapped by the agent's context hook.
    PinningTrustManager outer = (PinningTrustManager) TrustManagerWrapping.wrap(new JdkStyleWrapper(handWritten),
        "ssl_context");

    outer.checkServerTrusted(chain, "ECDHE_ECDSA");
  }

  /** Stands in for SunJSSE's wrapper of a plain X509TrustManager: every check goes to its two-argument form. */
  private static final class JdkStyleWrapper extends X509ExtendedTrustManager {
    private final X509TrustManager plain;

    JdkStyleWrapper(X509TrustManager plain) {
      this.plain = plain;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      plain.checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      plain.checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      plain.checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      plain.checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      plain.checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      plain.checkServerTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return plain.getAcceptedIssuers();
    }
  }

  @Test
  void tellsTrustManagersApartByIdentityNotByTheirEquals() {
    X509ExtendedTrustManager first = new LooselyEqual();
    X509ExtendedTrustManager second = new LooselyEqual();
    PinningTrustManager firstWrapper = (PinningTrustManager) TrustManagerWrapping.wrap(first, "test");
    PinningTrustManager secondWrapper = (PinningTrustManager) TrustManagerWrapping.wrap(second, "test");

    assertThat(firstWrapper.delegate()).isSameAs(first);
    assertThat(secondWrapper.delegate()).isSameAs(second);
  }

  @Test
  void letsTheEnforcementRefuseAfterTheOriginalAccepted() {
    refuse = true;
    PinningTrustManager wrapper = (PinningTrustManager) TrustManagerWrapping.wrap(new AcceptAll(), "test");
    X509Certificate[] chain = {TestPki.ca("CN=Any").build().certificate};
    assertThatThrownBy(() -> wrapper.checkServerTrusted(chain, "RSA", (SSLEngine) null))
        .isInstanceOf(CertificateException.class).hasMessage("pin mismatch");
    assertThatThrownBy(() -> wrapper.checkServerTrusted(chain, "RSA", (Socket) null))
        .isInstanceOf(CertificateException.class).hasMessage("pin mismatch");
  }

  @Test
  void passesClientChecksThroughUnchanged() throws Exception {
    refuse = true;
    PinningTrustManager wrapper = (PinningTrustManager) TrustManagerWrapping.wrap(new AcceptAll(), "test");
    X509Certificate[] chain = {TestPki.ca("CN=Any").build().certificate};
    wrapper.checkClientTrusted(chain, "RSA");
    wrapper.checkClientTrusted(chain, "RSA", (Socket) null);
    wrapper.checkClientTrusted(chain, "RSA", (SSLEngine) null);
    assertThat(checkedHosts).isEmpty();
  }

  private static class AcceptAll extends X509ExtendedTrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }

  /** A trust manager whose equals says every instance is the same. */
  private static final class LooselyEqual extends AcceptAll {
    @Override
    public boolean equals(Object other) {
      return other instanceof LooselyEqual;
    }

    @Override
    public int hashCode() {
      return 1;
    }
  }

  /** An application's own manager delegating to one it got from a (wrapped) factory. */
  private static class Delegating extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager delegate;

    Delegating(X509ExtendedTrustManager delegate) {
      this.delegate = delegate;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      delegate.checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      delegate.checkServerTrusted(chain, authType, engine);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      delegate.checkServerTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
