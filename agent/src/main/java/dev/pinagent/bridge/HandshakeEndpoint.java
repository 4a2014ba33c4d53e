package dev.pinagent.bridge;

import java.net.Socket;
import java.util.List;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

/**
 * The host and port a handshake is for, read from the handshake itself. The SNI name comes first (it is the
 * name the certificate is verified against), then the peer host the connection was opened with. Nothing is
 * passed through thread-locals: trust checks may run on delegated-task or virtual threads.
 */
final class HandshakeEndpoint {
  final String host;
  final int port;

  private HandshakeEndpoint(String host, int port) {
    this.host = host;
    this.port = port;
  }

  static HandshakeEndpoint of(Socket socket) {
    if (!(socket instanceof SSLSocket)) {
      return new HandshakeEndpoint(null, socket == null ? -1 : socket.getPort());
    }
    SSLSession session = ((SSLSocket) socket).getHandshakeSession();
    String host = session == null ? null : hostOf(session);
    int port = session != null && session.getPeerPort() > 0 ? session.getPeerPort() : socket.getPort();
    return new HandshakeEndpoint(host, port);
  }

  static HandshakeEndpoint of(SSLEngine engine) {
    if (engine == null) {
      return new HandshakeEndpoint(null, -1);
    }
    SSLSession session = engine.getHandshakeSession();
    String host = session == null ? null : hostOf(session);
    if (host == null) {
      host = engine.getPeerHost();
    }
    return new HandshakeEndpoint(host, engine.getPeerPort());
  }

  static HandshakeEndpoint unknown() {
    return new HandshakeEndpoint(null, -1);
  }

  private static String hostOf(SSLSession session) {
    if (session instanceof ExtendedSSLSession) {
      List<SNIServerName> names = ((ExtendedSSLSession) session).getRequestedServerNames();
      if (names != null) {
        for (SNIServerName name : names) {
          if (name instanceof SNIHostName) {
            return ((SNIHostName) name).getAsciiName();
          }
        }
      }
    }
    String peerHost = session.getPeerHost();
    return peerHost == null || peerHost.isEmpty() ? null : peerHost;
  }
}
