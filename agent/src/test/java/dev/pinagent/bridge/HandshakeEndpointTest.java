package dev.pinagent.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.testing.AcceptingTrustManager;
import dev.pinagent.testing.EngineHandshake;
import dev.pinagent.testing.FixedKeyManager;
import dev.pinagent.testing.TestPki;
import dev.pinagent.testing.TestTlsServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.HandshakeCompletedListener;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.Test;

/**
 * Where the names a chain is checked for come from: read from the handshake in progress, as the trust manager
 * sees it (real SunJSSE sockets and engines), never from a thread-local.
 */
class HandshakeEndpointTest {
  private static final TestPki.Issued SERVER = TestPki.leaf("api.example.com").dns("api.example.com").build();

  @Test
  void learnsTheSniNameThePeerHostAndThePortFromASocketHandshake() throws Exception {
    try (TestTlsServer server = TestTlsServer.start(SERVER.keyPair.getPrivate(), SERVER.certificate)) {
      HandshakeEndpoint seen = handshakeOverSocket(server.port(), "localhost", "api.example.com");

      assertThat(seen.serverName).isEqualTo("api.example.com");
      assertThat(seen.peerHost).isEqualTo("localhost");
      assertThat(seen.port).isEqualTo(server.port());
      assertThat(seen.session).as("the session being established").isNotNull();
    }
  }

  @Test
  void learnsNoSniNameFromASocketThatSentNone() throws Exception {
    try (TestTlsServer server = TestTlsServer.start(SERVER.keyPair.getPrivate(), SERVER.certificate)) {
      HandshakeEndpoint seen = handshakeOverSocket(server.port(), "localhost", null);

      assertThat(seen.serverName).isNull();
      assertThat(seen.peerHost).isEqualTo("localhost");
    }
  }

  @Test
  void learnsTheSniNameThePeerHostAndThePortFromAnEngineHandshake() throws Exception {
    HandshakeEndpoint seen = handshakeOverEngines("api.example.com", 8443, "api.example.com");

    assertThat(seen.serverName).isEqualTo("api.example.com");
    assertThat(seen.peerHost).isEqualTo("api.example.com");
    assertThat(seen.port).isEqualTo(8443);
    assertThat(seen.session).isNotNull();
  }

  @Test
  void learnsThePeerHostOfAnEngineThatSentAnotherSniName() throws Exception {
    HandshakeEndpoint seen = handshakeOverEngines("origin.internal", 443, "api.example.com");

    assertThat(seen.serverName).isEqualTo("api.example.com");
    assertThat(seen.peerHost).isEqualTo("origin.internal");
  }

  @Test
  void learnsThePeerHostAndPortOfAnEngineOutsideAHandshake() throws Exception {
    SSLEngine engine = SSLContext.getDefault().createSSLEngine("api.example.com", 8443);

    HandshakeEndpoint seen = HandshakeEndpoint.of(engine);

    assertThat(seen.serverName).isNull();
    assertThat(seen.peerHost).isEqualTo("api.example.com");
    assertThat(seen.port).isEqualTo(8443);
    assertThat(seen.session).isNull();
  }

  @Test
  void learnsNoHostFromAnEngineCreatedWithout() throws Exception {
    HandshakeEndpoint seen = HandshakeEndpoint.of(SSLContext.getDefault().createSSLEngine());

    assertThat(seen.peerHost).as("an engine without a peer host").isNull();
    assertThat(seen.port).isEqualTo(-1);
  }

  @Test
  void knowsNothingWithoutASocketOrEngine() {
    for (HandshakeEndpoint seen : List.of(HandshakeEndpoint.of((SSLEngine) null), HandshakeEndpoint.of((Socket) null),
        HandshakeEndpoint.unknown())) {
      assertThat(seen.serverName).isNull();
      assertThat(seen.peerHost).isNull();
      assertThat(seen.port).isEqualTo(-1);
      assertThat(seen.session).isNull();
    }
  }

  @Test
  void takesOnlyThePortOfAPlainSocket() throws Exception {
    try (TestTlsServer server = TestTlsServer.start(SERVER.keyPair.getPrivate(), SERVER.certificate);
        Socket plain = new Socket(InetAddress.getByName("127.0.0.1"), server.port())) {
      HandshakeEndpoint seen = HandshakeEndpoint.of(plain);

      assertThat(seen.port).isEqualTo(server.port());
      assertThat(seen.peerHost).isNull();
      assertThat(seen.serverName).isNull();
    }
  }

  /**
   * BouncyCastle JSSE, on a socket connected after it was created, leaves the handshake session's peer host empty:
   * the host then comes from the address the socket is connected to, as it was given, never by a reverse lookup.
   */
  @Test
  void learnsThePeerHostFromTheSocketsAddressWhenTheSessionNamesNone() throws Exception {
    InetAddress named = InetAddress.getByAddress("origin.internal", new byte[] {127, 0, 0, 9});
    InetAddress literal = InetAddress.getByAddress(new byte[] {127, 0, 0, 9});

    assertThat(HandshakeEndpoint.of(new ConnectedSocket(named, 9443, null)).peerHost).isEqualTo("origin.internal");
    assertThat(HandshakeEndpoint.of(new ConnectedSocket(literal, 9443, null)).peerHost).isEqualTo("127.0.0.9");
    assertThat(HandshakeEndpoint.of(new ConnectedSocket(null, 9443, null)).peerHost).isNull();
    assertThat(HandshakeEndpoint.of(new ConnectedSocket(named, 9443, null)).port).isEqualTo(9443);
  }

  @Test
  void learnsThePeerHostFromTheSocketsAddressWhenTheSessionsPeerHostIsEmpty() throws Exception {
    SSLSession emptyPeerHost = SSLContext.getDefault().createSSLEngine().getSession();
    InetAddress named = InetAddress.getByAddress("origin.internal", new byte[] {127, 0, 0, 9});

    HandshakeEndpoint seen = HandshakeEndpoint.of(new ConnectedSocket(named, 9443, emptyPeerHost));

    assertThat(emptyPeerHost.getPeerHost()).isNull();
    assertThat(seen.peerHost).isEqualTo("origin.internal");
    assertThat(seen.port).as("the session knows no port: the socket's").isEqualTo(9443);
  }

  /** Runs a handshake to the server, returning what the trust manager could learn from the socket. */
  private static HandshakeEndpoint handshakeOverSocket(int port, String host, String sniName) throws Exception {
    Capturing capturing = new Capturing();
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, new TrustManager[] {capturing}, null);
    try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(host, port)) {
      socket.setSoTimeout(10_000);
      SSLParameters parameters = socket.getSSLParameters();
      parameters.setServerNames(sniName == null ? List.of() : List.of(new SNIHostName(sniName)));
      socket.setSSLParameters(parameters);
      socket.startHandshake();
    }
    assertThat(capturing.seen).hasSize(1);
    return capturing.seen.get(0);
  }

  /** An in-memory handshake between two engines, returning what the client's trust manager learnt. */
  private static HandshakeEndpoint handshakeOverEngines(String host, int port, String sniName) throws Exception {
    Capturing capturing = new Capturing();
    SSLContext clientContext = SSLContext.getInstance("TLS");
    clientContext.init(null, new TrustManager[] {capturing}, null);
    SSLContext serverContext = SSLContext.getInstance("TLS");
    serverContext.init(new KeyManager[] {new FixedKeyManager(SERVER.keyPair.getPrivate(), SERVER.certificate)},
        null, null);
    SSLEngine client = clientContext.createSSLEngine(host, port);
    client.setUseClientMode(true);
    SSLParameters parameters = client.getSSLParameters();
    parameters.setServerNames(List.of(new SNIHostName(sniName)));
    client.setSSLParameters(parameters);
    SSLEngine server = serverContext.createSSLEngine();
    server.setUseClientMode(false);
    EngineHandshake.run(client, server);
    assertThat(capturing.seen).hasSize(1);
    return capturing.seen.get(0);
  }

  /** Accepts every server, recording what it could learn about the handshake in each check. */
  private static final class Capturing extends AcceptingTrustManager {
    final List<HandshakeEndpoint> seen = new ArrayList<>();

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
      seen.add(HandshakeEndpoint.of(socket));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
      seen.add(HandshakeEndpoint.of(engine));
    }
  }

  /**
   * Shaped like BouncyCastle JSSE's socket mid-handshake: connected to {@code address}, with a handshake session
   * that names no peer host ({@code null}: none at all). Only what {@link HandshakeEndpoint} asks is answered.
   */
  private static final class ConnectedSocket extends SSLSocket {
    private final InetAddress address;
    private final int port;
    private final SSLSession handshakeSession;

    ConnectedSocket(InetAddress address, int port, SSLSession handshakeSession) {
      this.address = address;
      this.port = port;
      this.handshakeSession = handshakeSession;
    }

    @Override
    public InetAddress getInetAddress() {
      return address;
    }

    @Override
    public int getPort() {
      return port;
    }

    @Override
    public SSLSession getHandshakeSession() {
      return handshakeSession;
    }

    @Override
    public String[] getSupportedCipherSuites() {
      throw new UnsupportedOperationException();
    }

    @Override
    public String[] getEnabledCipherSuites() {
      throw new UnsupportedOperationException();
    }

    @Override
    public void setEnabledCipherSuites(String[] suites) {
      throw new UnsupportedOperationException();
    }

    @Override
    public String[] getSupportedProtocols() {
      throw new UnsupportedOperationException();
    }

    @Override
    public String[] getEnabledProtocols() {
      throw new UnsupportedOperationException();
    }

    @Override
    public void setEnabledProtocols(String[] protocols) {
      throw new UnsupportedOperationException();
    }

    @Override
    public SSLSession getSession() {
      throw new UnsupportedOperationException();
    }

    @Override
    public void addHandshakeCompletedListener(HandshakeCompletedListener listener) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void removeHandshakeCompletedListener(HandshakeCompletedListener listener) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void startHandshake() throws IOException {
      throw new UnsupportedOperationException();
    }

    @Override
    public void setUseClientMode(boolean mode) {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean getUseClientMode() {
      return true;
    }

    @Override
    public void setNeedClientAuth(boolean need) {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean getNeedClientAuth() {
      return false;
    }

    @Override
    public void setWantClientAuth(boolean want) {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean getWantClientAuth() {
      return false;
    }

    @Override
    public void setEnableSessionCreation(boolean flag) {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean getEnableSessionCreation() {
      return true;
    }
  }
}
