package dev.pinagent.it.clients;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.FileInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A service that is also a TLS <em>server</em>: {@code ServerProbe <httpsserver|jetty> <need-client-auth>
 * <server.p12> <client.p12>} starts the server in this JVM, calls it once over TLS (presenting the client key
 * when client authentication is required) and prints {@code RESULT server OK ...} or {@code ... FAIL ...}.
 * The agent must leave the server side, and client-certificate checks, exactly as they were.
 */
public final class ServerProbe {
  private static final char[] PASSWORD = "changeit".toCharArray();

  private ServerProbe() {}

  public static void main(String[] args) throws Exception {
    boolean needClientAuth = Boolean.parseBoolean(args[1]);
    KeyStore serverKeys = load(args[2]);
    KeyStore clientKeys = load(args[3]);
    AutoCloseable server = null;
    try {
      int port;
      if (args[0].equals("jetty")) {
        JettyServers.Started jetty = JettyServers.start(serverKeys, PASSWORD, needClientAuth);
        server = jetty;
        port = jetty.port;
      } else {
        HttpsServer https = httpsServer(serverKeys, needClientAuth);
        server = () -> https.stop(0);
        port = https.getAddress().getPort();
      }
      KeyManagerFactory clientKeyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      clientKeyManagers.init(clientKeys, PASSWORD);
      SSLContext clientContext = SSLContext.getInstance("TLS");
      clientContext.init(clientKeyManagers.getKeyManagers(), null, null);
      HttpResponse<String> response = HttpClient.newBuilder().sslContext(clientContext)
          .version(HttpClient.Version.HTTP_1_1).build()
          .send(HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/")).build(),
              HttpResponse.BodyHandlers.ofString());
      System.out.println("RESULT server OK " + response.statusCode() + " " + response.body().trim());
    } catch (Exception e) {
      System.out.println("RESULT server FAIL " + e + (e.getCause() == null ? "" : " <- " + e.getCause()));
    } finally {
      if (server != null) {
        server.close();
      }
    }
  }

  private static KeyStore load(String file) throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = new FileInputStream(file)) {
      store.load(in, PASSWORD);
    }
    return store;
  }

  private static HttpsServer httpsServer(KeyStore keys, boolean needClientAuth) throws Exception {
    KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keyManagers.init(keys, PASSWORD);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keyManagers.getKeyManagers(), null, null);
    HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 10);
    server.setHttpsConfigurator(new HttpsConfigurator(context) {
      @Override
      public void configure(HttpsParameters parameters) {
        parameters.setNeedClientAuth(needClientAuth);
      }
    });
    byte[] body = ("hello from httpsserver" + (needClientAuth ? " with client auth" : "")).getBytes(StandardCharsets.UTF_8);
    server.createContext("/", exchange -> {
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
    return server;
  }
}
