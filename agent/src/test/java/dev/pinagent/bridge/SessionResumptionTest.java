package dev.pinagent.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.testing.AcceptingTrustManager;
import dev.pinagent.testing.EngineHandshake;
import dev.pinagent.testing.FixedKeyManager;
import dev.pinagent.testing.TestPki;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A resumed session skips the certificate, the trust manager and so the pin check: a session is resumed only when
 * the agent checked it under the policy now in force, for the SNI name the new connection asks for (or no pin-set
 * applies to either name). Anything unexpected means a full handshake. Sessions are real SunJSSE client sessions;
 * BouncyCastle's client is a stand-in shaped like {@code ProvTlsClient}, as the agent reads it by reflection.
 */
class SessionResumptionTest {
  private static final TestPki.Issued SERVER = TestPki.leaf("api.example.com").dns("api.example.com").build();

  private final List<String> events = new ArrayList<>();
  private boolean acrossNames;
  private Object stamp = "policy 1";

  private final PinEnforcement enforcement = new PinEnforcement() {
    @Override
    public void check(X509Certificate[] chain, String serverName, String peerHost, int port,
        X509TrustManager trustManager) {}

    @Override
    public Object policyStamp() {
      return stamp;
    }

    @Override
    public boolean mayResumeAcrossNames(String checkedServerName, String requestedServerName, String peerHost) {
      events.add("across " + checkedServerName + " " + requestedServerName + " " + peerHost);
      return acrossNames;
    }

    @Override
    public void wrapped(String source) {}

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
    SessionResumption.resumable(null, null);
  }

  @Test
  void marksASessionWithThePolicyAndTheNameItWasCheckedFor() throws Exception {
    ExtendedSSLSession session = clientSession("api.example.com");

    SessionResumption.recordChecked(session, "api.example.com", enforcement);
    SessionResumption.recordChecked(null, "api.example.com", enforcement);

    Object checked = session.getValue(SessionResumption.CHECKED_UNDER);
    assertThat(checked).isInstanceOf(SessionResumption.Checked.class)
        .hasToString("checked by PinAgent for api.example.com");
    assertThat(new SessionResumption.Checked(stamp, null)).hasToString("checked by PinAgent for no SNI name");
    assertThat(events).isEmpty();
  }

  @Test
  void permitsResumptionOnlyUnderTheSamePolicyForTheSameName() {
    SessionResumption.Checked checked = new SessionResumption.Checked(stamp, "api.example.com");

    assertThat(checked.permits("api.example.com", "origin", enforcement)).isTrue();
    assertThat(checked.permits("API.example.com", "origin", enforcement)).as("names ignore case").isTrue();
    assertThat(checked.permits("www.example.com", "origin", enforcement)).isFalse();
    assertThat(checked.permits(null, "origin", enforcement)).isFalse();
    assertThat(new SessionResumption.Checked(stamp, null).permits(null, "origin", enforcement)).isTrue();
    assertThat(new SessionResumption.Checked(stamp, null).permits("api.example.com", "origin", enforcement))
        .isFalse();
    stamp = "policy 2";
    assertThat(checked.permits("api.example.com", "origin", enforcement)).as("checked under a replaced policy")
        .isFalse();
  }

  @Test
  void permitsResumptionForAnotherNameWhenTheEnforcementSaysNothingIsPinned() {
    acrossNames = true;
    SessionResumption.Checked checked = new SessionResumption.Checked(stamp, "api.example.com");

    assertThat(checked.permits("www.example.com", "origin", enforcement)).isTrue();
    assertThat(events).containsExactly("across api.example.com www.example.com origin");
    stamp = "policy 2";
    assertThat(checked.permits("www.example.com", "origin", enforcement)).isFalse();
  }

  @Test
  void resumesNothingWhoseHandshakeStartWasNotSeen() throws Exception {
    ExtendedSSLSession session = clientSession("api.example.com");
    SessionResumption.recordChecked(session, "api.example.com", enforcement);

    assertThat(TrustManagerWrapping.filterResumption(null, session)).isNull();
    assertThat(events).isEmpty();
  }

  @Test
  void resumesNothingWhenTheHandshakeCannotBeRead() throws Exception {
    ExtendedSSLSession session = clientSession("api.example.com");
    SessionResumption.recordChecked(session, "api.example.com", enforcement);

    TrustManagerWrapping.beforeClientHello(null, "not SunJSSE's handshake context");
    assertThat(TrustManagerWrapping.filterResumption(null, session)).isNull();
    assertThat(events).containsExactly("failed resumption");

    assertThat(TrustManagerWrapping.filterResumption(null, session)).as("the handshake seen is forgotten").isNull();
    assertThat(events).hasSize(1);
  }

  @Test
  void resumesNoSessionOfAnotherKind() {
    TrustManagerWrapping.beforeClientHello(null, new Object());
    assertThat(SessionResumption.resumable("not a session", enforcement)).isNull();
    assertThat(events).isEmpty();
  }

  @Test
  void passesEverySessionBeforeTheAgentIsInstalled() throws Exception {
    ExtendedSSLSession session = clientSession("api.example.com");
    TrustManagerWrapping.install(null);
    assertThat(TrustManagerWrapping.filterResumption(null, session)).isSameAs(session);
    assertThat(SessionResumption.resumableUnder(session, "api.example.com", null)).isEqualTo("api.example.com");
    assertThat(SessionResumption.resumableByBouncyCastle(new ProvTlsClient(null, null), "tls session", null))
        .isEqualTo("tls session");
  }

  @Test
  void findsSessionsByPeerHostOnlyForAConnectionAskingForThatHostOrNoName() throws Exception {
    ExtendedSSLSession forApi = clientSession("api.example.com");

    assertThat(TrustManagerWrapping.filterResumptionKey(forApi, "API.example.com")).isEqualTo("API.example.com");
    assertThat(TrustManagerWrapping.filterResumptionKey("no SNI", "origin.internal")).isEqualTo("origin.internal");
    assertThat(TrustManagerWrapping.filterResumptionKey(clientSession(null), "origin.internal"))
        .as("a connection that sends no SNI name").isEqualTo("origin.internal");
    assertThat(TrustManagerWrapping.filterResumptionKey(forApi, "origin.internal")).isNull();
    assertThat(events).containsExactly("across origin.internal api.example.com origin.internal");
    assertThat(TrustManagerWrapping.filterResumptionKey(forApi, null)).isNull();
  }

  @Test
  void findsSessionsByPeerHostForAnotherNameWhenNothingIsPinned() throws Exception {
    acrossNames = true;
    assertThat(TrustManagerWrapping.filterResumptionKey(clientSession("api.example.com"), "origin.internal"))
        .isEqualTo("origin.internal");
  }

  @Test
  void findsNoSessionByAPeerHostThatIsNoString() throws Exception {
    assertThat(TrustManagerWrapping.filterResumptionKey(clientSession("api.example.com"), 42)).isNull();
    assertThat(events).containsExactly("failed resumption");
  }

  @Test
  void resumesABouncyCastleSessionCheckedForTheNameAsked() {
    ProvSslSession chosen = new ProvSslSession("origin.internal");
    chosen.values.put(SessionResumption.CHECKED_UNDER, new SessionResumption.Checked(stamp, "api.example.com"));
    ProvTlsClient client = new ProvTlsClient(chosen, new ProvSslParameters(new BCSNIHostName("api.example.com")));

    assertThat(TrustManagerWrapping.filterBouncyCastleResumption(client, "tls session")).isEqualTo("tls session");
    assertThat(client.sslSession).isSameAs(chosen);
  }

  @Test
  void forgetsABouncyCastleSessionCheckedForAnotherNameOrNotAtAll() {
    ProvSslSession forOther = new ProvSslSession("origin.internal");
    forOther.values.put(SessionResumption.CHECKED_UNDER, new SessionResumption.Checked(stamp, "www.example.com"));
    ProvTlsClient askingApi = new ProvTlsClient(forOther, new ProvSslParameters("an SNI name of another type",
        new BCSNIHostName("api.example.com")));
    ProvTlsClient unchecked = new ProvTlsClient(new ProvSslSession("origin.internal"), new ProvSslParameters());

    assertThat(TrustManagerWrapping.filterBouncyCastleResumption(askingApi, "tls session")).isNull();
    assertThat(askingApi.sslSession).as("the client makes a full handshake").isNull();
    assertThat(events).containsExactly("across www.example.com api.example.com origin.internal");
    assertThat(TrustManagerWrapping.filterBouncyCastleResumption(unchecked, "tls session")).isNull();
    assertThat(unchecked.sslSession).isNull();
    assertThat(TrustManagerWrapping.filterBouncyCastleResumption(unchecked, null)).isNull();
  }

  @Test
  void resumesNoBouncyCastleSessionWhenItsClientCannotBeRead() {
    assertThat(TrustManagerWrapping.filterBouncyCastleResumption(new Object(), "tls session")).isNull();
    assertThat(TrustManagerWrapping.filterBouncyCastleResumption(new ProvTlsClient(null, new ProvSslParameters()),
        "tls session")).isNull();
    assertThat(events).containsExactly("failed resumption", "failed resumption");
  }

  /** A real client session that asked for {@code sniName} ({@code null}: none), from an in-memory handshake. */
  private static ExtendedSSLSession clientSession(String sniName) throws Exception {
    List<ExtendedSSLSession> seen = new ArrayList<>();
    X509ExtendedTrustManager capturing = new AcceptingTrustManager() {
      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        seen.add((ExtendedSSLSession) engine.getHandshakeSession());
      }
    };
    SSLContext clientContext = SSLContext.getInstance("TLS");
    clientContext.init(null, new TrustManager[] {capturing}, null);
    SSLContext serverContext = SSLContext.getInstance("TLS");
    serverContext.init(new KeyManager[] {new FixedKeyManager(SERVER.keyPair.getPrivate(), SERVER.certificate)},
        null, null);
    SSLEngine client = clientContext.createSSLEngine("origin.internal", 443);
    client.setUseClientMode(true);
    SSLParameters parameters = client.getSSLParameters();
    parameters.setServerNames(sniName == null ? List.of() : List.of(new SNIHostName(sniName)));
    client.setSSLParameters(parameters);
    SSLEngine server = serverContext.createSSLEngine();
    server.setUseClientMode(false);
    EngineHandshake.run(client, server);
    return seen.get(0);
  }

  /**
   * Shaped like BouncyCastle JSSE's {@code ProvTlsClient}: the session it chose, and its parameters. Its members
   * are private, as BouncyCastle's are out of the agent's reach: the agent must make them accessible.
   */
  static final class ProvTlsClient {
    private Object sslSession;
    private final Object sslParameters;

    ProvTlsClient(Object sslSession, Object sslParameters) {
      this.sslSession = sslSession;
      this.sslParameters = sslParameters;
    }
  }

  /** Shaped like {@code ProvSSLSession}: values, as SSLSession has them, and the peer host. */
  static final class ProvSslSession {
    private final Map<String, Object> values = new HashMap<>();
    private final String peerHost;

    ProvSslSession(String peerHost) {
      this.peerHost = peerHost;
    }

    private Object getValue(String name) {
      return values.get(name);
    }

    private String getPeerHost() {
      return peerHost;
    }
  }

  /** Shaped like {@code ProvSSLParameters}: the SNI names the client will send. */
  static final class ProvSslParameters {
    private final List<Object> serverNames;

    ProvSslParameters(Object... serverNames) {
      this.serverNames = List.of(serverNames);
    }

    private List<Object> getServerNames() {
      return serverNames;
    }
  }

  /** Shaped like {@code BCSNIHostName}, which the agent recognizes by its simple name. */
  public static final class BCSNIHostName {
    private final String name;

    BCSNIHostName(String name) {
      this.name = name;
    }

    public String getAsciiName() {
      return name;
    }
  }
}
