package dev.pinagent.it.support;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import dev.pinagent.testing.FixedKeyManager;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * A real HTTPS server on loopback that sends exactly the chain it is given — in any order, with any extra
 * certificates, as an attacker would — and answers with its name.
 */
public final class TlsServer implements AutoCloseable {
  private final HttpsServer server;
  private final ExecutorService executor;
  private final String name;

  private TlsServer(HttpsServer server, ExecutorService executor, String name) {
    this.server = server;
    this.executor = executor;
    this.name = name;
  }

  /** Starts on {@code bindAddress} (e.g. 127.0.0.1 or ::1), a free port, sending {@code chain}. */
  public static TlsServer start(String name, String bindAddress, PrivateKey key, X509Certificate... chain) {
    return start(name, bindAddress, 0, key, chain);
  }

  /**
   * Starts on {@code bindAddress} and {@code port} (0 for a free one): a server restarted on its port with another
   * chain is what a client sees when a partner renews or moves to another CA.
   */
  public static TlsServer start(String name, String bindAddress, int port, PrivateKey key,
      X509Certificate... chain) {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(new KeyManager[] {new FixedKeyManager(key, chain)}, null, null);
      HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getByName(bindAddress), port), 50);
      server.setHttpsConfigurator(new HttpsConfigurator(context) {
        @Override
        public void configure(HttpsParameters parameters) {
          SSLParameters ssl = context.getDefaultSSLParameters();
          parameters.setSSLParameters(ssl);
        }
      });
      byte[] body = ("hello from " + name + "\n").getBytes(StandardCharsets.UTF_8);
      server.createContext("/", exchange -> {
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      });
      ExecutorService executor = Executors.newFixedThreadPool(4);
      server.setExecutor(executor);
      server.start();
      return new TlsServer(server, executor, name);
    } catch (Exception e) {
      throw new IllegalStateException("cannot start TLS server " + name, e);
    }
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public String name() {
    return name;
  }

  /** {@code https://<host>:<port>/} for a host name or literal that resolves to this server. */
  public String url(String host) {
    return "https://" + host + ":" + port() + "/";
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
