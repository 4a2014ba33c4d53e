package dev.pinagent.bridge;

import java.net.InetAddress;
import java.net.Socket;
import java.util.List;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

/**
 * The names and port a handshake is for, read from the handshake itself: the SNI name the client sent and
 * the peer host the connection was opened with. Both are kept because the JDK's identity check accepts a
 * certificate for either. Nothing is passed through thread-locals: trust checks may run on delegated-task
 * or virtual threads.
 */
final class HandshakeEndpoint {
  final String serverName;
  final String peerHost;
  final int port;
  /** The session the handshake is establishing, or {@code null} when the provider does not say. */
  final SSLSession session;

  private HandshakeEndpoint(String serverName, String peerHost, int port, SSLSession session) {
    this.serverName = serverName;
    this.peerHost = peerHost;
    this.port = port;
    this.session = session;
  }

  static HandshakeEndpoint of(Socket socket) {
    if (!(socket instanceof SSLSocket)) {
      return new HandshakeEndpoint(null, null, socket == null ? -1 : socket.getPort(), null);
    }
    SSLSession session = ((SSLSocket) socket).getHandshakeSession();
    String peerHost = session == null ? null : emptyToNull(session.getPeerHost());
    if (peerHost == null) {
      // Some providers (BouncyCastle JSSE on a socket connected after creation) leave the session's peer host
      // empty; the socket still knows where it is connected.
      peerHost = hostOf(socket.getInetAddress());
    }
    int port = session != null && session.getPeerPort() > 0 ? session.getPeerPort() : socket.getPort();
    return new HandshakeEndpoint(session == null ? null : serverNameOf(session), peerHost, port, session);
  }

  /**
   * The host name an address was created with, else its IP literal; never a reverse DNS lookup
   * ({@code getHostName()} would make one for an address created from a literal).
   */
  private static String hostOf(InetAddress address) {
    if (address == null) {
      return null;
    }
    String text = address.toString();
    int slash = text.indexOf('/');
    return slash > 0 ? text.substring(0, slash) : address.getHostAddress();
  }

  static HandshakeEndpoint of(SSLEngine engine) {
    if (engine == null) {
      return unknown();
    }
    SSLSession session = engine.getHandshakeSession();
    String peerHost = session == null ? null : emptyToNull(session.getPeerHost());
    return new HandshakeEndpoint(session == null ? null : serverNameOf(session),
        peerHost != null ? peerHost : emptyToNull(engine.getPeerHost()), engine.getPeerPort(), session);
  }

  static HandshakeEndpoint unknown() {
    return new HandshakeEndpoint(null, null, -1, null);
  }

  private static String serverNameOf(SSLSession session) {
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
    return null;
  }

  private static String emptyToNull(String value) {
    return value == null || value.isEmpty() ? null : value;
  }
}
