package dev.pinagent.it.clients;

import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/** Jetty 12's {@code HttpClient} with a default {@code SslContextFactory.Client}. */
final class JettyClients {
  private JettyClients() {}

  /** One client for every URL, as a service keeps one. */
  static void fetchAllWithOneClient(String[] urls) throws Exception {
    ClientConnector connector = new ClientConnector();
    connector.setSslContextFactory(new SslContextFactory.Client());
    HttpClient client = new HttpClient(new HttpClientTransportOverHTTP(connector));
    client.start();
    try {
      for (String url : urls) {
        try {
          ContentResponse response = client.newRequest(url).timeout(20, TimeUnit.SECONDS).send();
          System.out.println("RESULT " + url + " OK " + response.getVersion() + " "
              + response.getContentAsString().trim());
        } catch (Exception e) {
          ReuseProbe.fail(url, e);
        }
      }
    } finally {
      client.stop();
    }
  }

  static String fetch(String url) throws Exception {
    ClientConnector connector = new ClientConnector();
    connector.setSslContextFactory(new SslContextFactory.Client());
    HttpClient client = new HttpClient(new HttpClientTransportOverHTTP(connector));
    client.start();
    try {
      ContentResponse response = client.newRequest(url).timeout(20, TimeUnit.SECONDS).send();
      return response.getStatus() + " " + response.getContentAsString();
    } finally {
      client.stop();
    }
  }
}
