package dev.pinagent.it.support;

import java.security.KeyStore;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http2.HTTP2Cipher;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * An HTTPS server on loopback that speaks HTTP/2 (ALPN) and HTTP/1.1 and answers with its name, for the
 * connection reuse clients do only over HTTP/2. It serves any Host on any connection, as a server whose
 * certificate names several hosts does; runs in the test's JVM.
 */
public final class Http2Server implements AutoCloseable {
  private final Server server;
  private final int port;

  private Http2Server(Server server, int port) {
    this.server = server;
    this.port = port;
  }

  public static Http2Server start(String name, KeyStore keys, char[] password) {
    try {
      HttpConfiguration configuration = new HttpConfiguration();
      // Requests for another name than the connection's SNI are what coalescing sends; they must be served.
      configuration.addCustomizer(new SecureRequestCustomizer(false, false, -1, false));
      HttpConnectionFactory http1 = new HttpConnectionFactory(configuration);
      HTTP2ServerConnectionFactory http2 = new HTTP2ServerConnectionFactory(configuration);
      ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory();
      alpn.setDefaultProtocol(http1.getProtocol());
      SslContextFactory.Server tls = new SslContextFactory.Server();
      tls.setKeyStore(keys);
      tls.setKeyStorePassword(new String(password));
      tls.setCipherComparator(HTTP2Cipher.COMPARATOR);
      tls.setSniRequired(false);
      Server server = new Server();
      ServerConnector connector =
          new ServerConnector(server, new SslConnectionFactory(tls, alpn.getProtocol()), alpn, http2, http1);
      connector.setHost("127.0.0.1");
      connector.setPort(0);
      server.addConnector(connector);
      String body = "hello from " + name;
      server.setHandler(new Handler.Abstract() {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
          response.setStatus(200);
          Content.Sink.write(response, true, body, callback);
          return true;
        }
      });
      server.start();
      return new Http2Server(server, connector.getLocalPort());
    } catch (Exception e) {
      throw new IllegalStateException("cannot start the HTTP/2 server " + name, e);
    }
  }

  public String url(String host) {
    return "https://" + host + ":" + port + "/";
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
