package dev.pinagent.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pinagent.testing.AcceptingTrustManager;
import dev.pinagent.testing.TestPki;
import java.security.Provider;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What each hook's entry point does with what the JDK or a library hands it: which trust managers it wraps (and
 * under which source tag), which it leaves to SunJSSE's own hook, and when a connection made for one host may
 * carry requests for another. Each entry point never throws into the host, except the reuse refusal, whose
 * exception is the library's own way to open a new connection.
 */
class TrustManagerWrappingHooksTest {
  private final List<String> events = new ArrayList<>();
  private boolean reuseAllowed;
  private RuntimeException reuseFailure;

  private final PinEnforcement enforcement = new PinEnforcement() {
    @Override
    public void check(X509Certificate[] chain, String serverName, String peerHost, int port,
        X509TrustManager trustManager) {}

    @Override
    public boolean mayReuseConnection(X509Certificate[] chain, String host) {
      events.add("reuse " + chain.length + " for " + host);
      if (reuseFailure != null) {
        throw reuseFailure;
      }
      return reuseAllowed;
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
    TrustManagerWrapping.install(enforcement);
  }

  @AfterEach
  void uninstall() {
    TrustManagerWrapping.install(null);
  }

  @Test
  void wrapsTheManagerSunJsseChoseAndTheOneItHoldsUnderTheirOwnTags() {
    AcceptingTrustManager chosen = new AcceptingTrustManager();
    AcceptingTrustManager inUse = new AcceptingTrustManager();

    assertThat(TrustManagerWrapping.wrapChosen(null, chosen)).isInstanceOf(PinningTrustManager.class);
    assertThat(TrustManagerWrapping.wrapInUse(null, inUse)).isInstanceOf(PinningTrustManager.class);

    assertThat(events).containsExactly("wrapped ssl_context", "wrapped ssl_context_in_use");
  }

  @Test
  void wrapsWhatATrustManagerFactoryReturns() {
    TrustManager[] fromFactory = {new AcceptingTrustManager()};

    Object wrapped = TrustManagerWrapping.wrapFactoryResult(null, fromFactory);

    assertThat(((Object[]) wrapped)[0]).isInstanceOf(PinningTrustManager.class);
    assertThat(events).containsExactly("wrapped trust_manager_factory");
    assertThat(TrustManagerWrapping.wrapFactoryResult(null, "not an array")).isEqualTo("not an array");
  }

  @Test
  void leavesTheManagersGivenToASunJsseContextToItsOwnHook() throws Exception {
    TrustManager[] given = {new AcceptingTrustManager()};

    assertThat(TrustManagerWrapping.wrapInitArgument(SSLContext.getInstance("TLS"), given)).isSameAs(given);
    assertThat(events).isEmpty();
  }

  @Test
  void wrapsTheManagersGivenToAnotherProvidersContext() {
    TrustManager[] given = {new AcceptingTrustManager()};
    SSLContext other = new SSLContext(null, new Provider("OtherJSSE", "1.0", "a TLS provider other than the JDK's") {
    }, "TLS") {};

    Object wrapped = TrustManagerWrapping.wrapInitArgument(other, given);

    assertThat(((Object[]) wrapped)[0]).isInstanceOf(PinningTrustManager.class);
    assertThat(given[0]).as("the caller's array is left as it was").isInstanceOf(AcceptingTrustManager.class);
    assertThat(events).containsExactly("wrapped ssl_context_init");
    Object[] givenToAnUnknownContext = (Object[]) TrustManagerWrapping.wrapInitArgument(new Object(),
        new TrustManager[] {new AcceptingTrustManager()});
    assertThat(givenToAnUnknownContext[0]).isInstanceOf(PinningTrustManager.class);
  }

  @Test
  void wrapsNothingGivenToAContextBeforeTheAgentIsInstalledOrThatIsNoArray() {
    TrustManager[] given = {new AcceptingTrustManager()};
    assertThat(TrustManagerWrapping.wrapInitArgument(null, null)).isNull();
    TrustManagerWrapping.install(null);
    assertThat(TrustManagerWrapping.wrapInitArgument(null, given)).isSameAs(given);
    assertThat(TrustManagerWrapping.wrapAll(given, "test")).isSameAs(given);
    assertThat(events).isEmpty();
  }

  @Test
  void handsTheClientHandshakeContextBackUnchanged() {
    Object context = new Object();
    assertThat(TrustManagerWrapping.beforeClientHello(null, context)).isSameAs(context);
    assertThat(TrustManagerWrapping.filterResumption(null, null)).as("no session found, nothing to filter").isNull();
  }

  @Test
  void letsAConnectionCarryRequestsForAnotherHostWhenTheEnforcementSaysSo() throws Exception {
    reuseAllowed = true;
    List<Certificate> certificates = List.of(TestPki.leaf("a").build().certificate,
        TestPki.ca("CN=CA").build().certificate);

    assertThat(TrustManagerWrapping.checkReuse("api.example.com", certificates)).isSameAs(certificates);
    assertThat(events).containsExactly("reuse 2 for api.example.com");
  }

  @Test
  void refusesToReuseAConnectionWhenTheEnforcementSaysNo() {
    List<Certificate> certificates = List.of(TestPki.leaf("a").build().certificate);

    assertThatThrownBy(() -> TrustManagerWrapping.checkReuse("api.example.com", certificates))
        .isInstanceOf(SSLPeerUnverifiedException.class)
        .hasMessage("PinAgent: a connection made for another host is not reused for api.example.com, whose pins its "
            + "certificates do not satisfy; a new connection is checked instead");
  }

  @Test
  void refusesToReuseAConnectionWhenAnythingIsUnexpected() {
    reuseAllowed = true;
    List<Certificate> certificates = List.of(TestPki.leaf("a").build().certificate);

    assertThatThrownBy(() -> TrustManagerWrapping.checkReuse(42, certificates))
        .as("a host that is no string").isInstanceOf(SSLPeerUnverifiedException.class);
    assertThatThrownBy(() -> TrustManagerWrapping.checkReuse("api.example.com", "no list"))
        .isInstanceOf(SSLPeerUnverifiedException.class);
    assertThatThrownBy(() -> TrustManagerWrapping.checkReuse("api.example.com", List.of("not a certificate")))
        .isInstanceOf(SSLPeerUnverifiedException.class);
    reuseFailure = new IllegalStateException("broken");
    assertThatThrownBy(() -> TrustManagerWrapping.checkReuse("api.example.com", certificates))
        .isInstanceOf(SSLPeerUnverifiedException.class);
    assertThat(events).containsExactly("failed reuse", "reuse 1 for api.example.com", "failed reuse");
  }

  @Test
  void letsEveryReuseThroughBeforeTheAgentIsInstalled() throws Exception {
    TrustManagerWrapping.install(null);
    assertThat(TrustManagerWrapping.checkReuse("api.example.com", "anything")).isEqualTo("anything");
  }

  /** An unreadable provider name cannot be SunJSSE's: the managers are wrapped. */
  @Test
  void wrapsTheManagersOfAContextWhoseProviderCannotBeRead() {
    SSLContext odd = new SSLContext(null, null, "TLS") {};
    Object wrapped = TrustManagerWrapping.wrapInitArgument(odd, new TrustManager[] {new AcceptingTrustManager()});
    assertThat(((Object[]) wrapped)[0]).isInstanceOf(PinningTrustManager.class);
  }

  @Test
  void anEnforcementThatSaysNothingMoreRefusesEveryReuseAndResumptionAcrossNames() {
    PinEnforcement minimal = new PinEnforcement() {
      @Override
      public void check(X509Certificate[] chain, String serverName, String peerHost, int port,
          X509TrustManager trustManager) {}

      @Override
      public void wrapped(String source) {}

      @Override
      public void failed(String stage, Throwable error) {}
    };
    assertThat(minimal.mayReuseConnection(new X509Certificate[0], "api.example.com")).isFalse();
    assertThat(minimal.mayResumeAcrossNames(null, null, null)).isFalse();
    assertThat(minimal.policyStamp()).isSameAs(minimal);
  }

  @Test
  void leavesTheTrustManagerUnwrappedWhenRecordingTheWrapFails() {
    PinEnforcement failingToRecord = new PinEnforcement() {
      @Override
      public void check(X509Certificate[] chain, String serverName, String peerHost, int port,
          X509TrustManager trustManager) {}

      @Override
      public void wrapped(String source) {
        throw new IllegalStateException("metrics broken");
      }

      @Override
      public void failed(String stage, Throwable error) {
        events.add("failed " + stage);
      }
    };
    TrustManagerWrapping.install(failingToRecord);
    AcceptingTrustManager original = new AcceptingTrustManager();

    assertThat(TrustManagerWrapping.wrap(original, "test")).isSameAs(original);
    assertThat(events).containsExactly("failed wrap:test");
  }
}
