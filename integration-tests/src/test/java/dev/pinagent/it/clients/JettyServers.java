package dev.pinagent.it.clients;

import java.security.KeyStore;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * A Jetty 12 TLS server, in a class of its own so that {@link ServerProbe} loads Jetty (Java 17 bytecode) only
 * when asked for it and keeps running its other server on Java 11.
 */
final class JettyServers {
  private JettyServers() {}

  /** A started server and the port it listens on. */
  static final class Started implements AutoCloseable {
    final int port;
    private final Server server;

    Started(Server server) {
      this.server = server;
      this.port = ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    @Override
    public void close() throws Exception {
      server.stop();
    }
  }

  static Started start(KeyStore keys, char[] password, boolean needClientAuth) throws Exception {
    SslContextFactory.Server ssl = new SslContextFactory.Server();
    ssl.setKeyStore(keys);
    ssl.setKeyStorePassword(new String(password));
    ssl.setNeedClientAuth(needClientAuth);
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server, ssl);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    String body = "hello from jetty" + (needClientAuth ? " with client auth" : "");
    server.setHandler(new Handler.Abstract() {
      @Override
      public boolean handle(Request request, Response response, Callback callback) {
        response.setStatus(200);
        Content.Sink.write(response, true, body, callback);
        return true;
      }
    });
    server.start();
    return new Started(server);
  }
}
