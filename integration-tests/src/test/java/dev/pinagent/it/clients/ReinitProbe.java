package dev.pinagent.it.clients;

import java.net.Socket;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A library that re-initializes the one {@code SSLContext} its connections use (as some do on their own
 * reloads) while other threads handshake on it: {@code ReinitProbe <port> <seconds>}. The trust manager is a
 * trust-all one, so only the pin check stands between these connections and the man in the middle at {@code
 * localhost:<port>}. Prints {@code ACCEPTED n REFUSED m OTHER k} for the connecting threads.
 */
public final class ReinitProbe {
  private ReinitProbe() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.parseLong(args[1]));
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, new TrustManager[] {new TrustAll()}, null);
    AtomicBoolean done = new AtomicBoolean();
    AtomicInteger accepted = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    AtomicInteger other = new AtomicInteger();
    Thread reinitializer = new Thread(() -> {
      while (!done.get()) {
        try {
          context.init(null, new TrustManager[] {new TrustAll()}, null);
        } catch (Exception e) {
          other.incrementAndGet();
        }
      }
    });
    reinitializer.start();
    Thread[] connectors = new Thread[2];
    for (int t = 0; t < connectors.length; t++) {
      connectors[t] = new Thread(() -> {
        while (System.nanoTime() < deadline) {
          try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("localhost", port)) {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setServerNames(List.of(new SNIHostName("localhost")));
            socket.setSSLParameters(parameters);
            socket.setSoTimeout(10_000);
            socket.startHandshake();
            accepted.incrementAndGet();
          } catch (javax.net.ssl.SSLHandshakeException e) {
            refused.incrementAndGet();
          } catch (Exception e) {
            other.incrementAndGet();
          }
        }
      });
      connectors[t].start();
    }
    for (Thread connector : connectors) {
      connector.join();
    }
    done.set(true);
    reinitializer.join();
    System.out.println("ACCEPTED " + accepted.get() + " REFUSED " + refused.get() + " OTHER " + other.get());
  }

  /** A legacy trust-all manager: accepts every chain. */
  static final class TrustAll extends X509ExtendedTrustManager {
    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
