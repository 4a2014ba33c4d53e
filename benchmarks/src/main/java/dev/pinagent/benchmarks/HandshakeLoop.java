package dev.pinagent.benchmarks;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * The forked client: {@code HandshakeLoop <port> <warm-up> <measured>} makes full TLS handshakes to
 * localhost with the default context (what the agent pins) and prints {@code handshakes/s}.
 */
public final class HandshakeLoop {
  private HandshakeLoop() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    SSLSocketFactory factory = SSLContext.getDefault().getSocketFactory();
    for (int i = 0; i < Integer.parseInt(args[1]); i++) {
      handshake(factory, port);
    }
    int measured = Integer.parseInt(args[2]);
    long start = System.nanoTime();
    for (int i = 0; i < measured; i++) {
      handshake(factory, port);
    }
    System.out.println(measured / ((System.nanoTime() - start) / 1e9));
  }

  /** One full handshake to localhost:{@code port}; the session is invalidated so that none is resumed. */
  static String handshake(SSLSocketFactory factory, int port) throws Exception {
    try (SSLSocket socket = (SSLSocket) factory.createSocket("localhost", port)) {
      socket.setTcpNoDelay(true);
      SSLParameters parameters = socket.getSSLParameters();
      parameters.setEndpointIdentificationAlgorithm("HTTPS");
      socket.setSSLParameters(parameters);
      socket.startHandshake();
      socket.getSession().invalidate();
      return socket.getSession().getProtocol();
    }
  }
}
