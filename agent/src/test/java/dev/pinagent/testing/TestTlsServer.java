package dev.pinagent.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * A TLS server on 127.0.0.1 that completes the handshake with whoever connects, presenting exactly the chain
 * it is given, then closes: enough for tools that only need to see a server's certificates.
 */
public final class TestTlsServer implements AutoCloseable {
  private final SSLServerSocket socket;
  private final Thread acceptor;

  private TestTlsServer(SSLServerSocket socket) {
    this.socket = socket;
    this.acceptor = new Thread(this::serve, "test-tls-server-" + socket.getLocalPort());
    this.acceptor.setDaemon(true);
    this.acceptor.start();
  }

  public static TestTlsServer start(PrivateKey key, X509Certificate... chain) {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(new KeyManager[] {new FixedKeyManager(key, chain)}, null, null);
      ServerSocket server = context.getServerSocketFactory().createServerSocket(0, 50,
          InetAddress.getByName("127.0.0.1"));
      return new TestTlsServer((SSLServerSocket) server);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private void serve() {
    while (!socket.isClosed()) {
      try (Socket client = socket.accept()) {
        client.setSoTimeout(10_000);
        client.setTcpNoDelay(true);
        ((SSLSocket) client).startHandshake();
      } catch (IOException e) {
        // A client that gives up mid-handshake (as a pin check does) is expected; keep serving.
      }
    }
  }

  public int port() {
    return socket.getLocalPort();
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // Closing.
    }
  }
}
