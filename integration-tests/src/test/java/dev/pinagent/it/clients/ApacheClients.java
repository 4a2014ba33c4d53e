package dev.pinagent.it.clients;

import java.io.File;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.apache.hc.client5.http.async.methods.SimpleHttpRequest;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.ClientTlsStrategyBuilder;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.ssl.SSLContexts;

/**
 * Apache HttpClient 5, classic and async, with trust material loaded the way its docs show; and with a
 * trust strategy that skips validation altogether ({@code (chain, authType) -> true}).
 */
final class ApacheClients {
  private ApacheClients() {}

  static String fetch(String variant, String url) throws Exception {
    File trustStore = new File(System.getProperty("javax.net.ssl.trustStore"));
    char[] password = System.getProperty("javax.net.ssl.trustStorePassword").toCharArray();
    SSLContext context = variant.equals("apache-trust-strategy")
        ? SSLContexts.custom().loadTrustMaterial(trustStore, password, (chain, authType) -> true).build()
        : SSLContexts.custom().loadTrustMaterial(trustStore, password).build();
    if (variant.equals("apache-async")) {
      return async(context, url);
    }
    try (CloseableHttpClient client = HttpClients.custom()
        .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
            .setTlsSocketStrategy(new DefaultClientTlsStrategy(context)).build())
        .build()) {
      return client.execute(new HttpGet(url),
          response -> response.getCode() + " " + EntityUtils.toString(response.getEntity()));
    }
  }

  /** One async client (HTTP/2 when the server offers it) for every URL, as a service keeps one. */
  static void fetchAllWithOneClient(String[] urls) throws Exception {
    File trustStore = new File(System.getProperty("javax.net.ssl.trustStore"));
    char[] password = System.getProperty("javax.net.ssl.trustStorePassword").toCharArray();
    SSLContext context = SSLContexts.custom().loadTrustMaterial(trustStore, password).build();
    try (CloseableHttpAsyncClient client = HttpAsyncClients.custom()
        .setConnectionManager(PoolingAsyncClientConnectionManagerBuilder.create()
            .setTlsStrategy(ClientTlsStrategyBuilder.create().setSslContext(context).buildAsync()).build())
        .build()) {
      client.start();
      for (String url : urls) {
        try {
          SimpleHttpResponse response =
              client.execute(SimpleRequestBuilder.get(url).build(), null).get(20, TimeUnit.SECONDS);
          System.out.println("RESULT " + url + " OK " + response.getVersion() + " " + response.getBodyText().trim());
        } catch (Exception e) {
          ReuseProbe.fail(url, e);
        }
      }
    }
  }

  private static String async(SSLContext context, String url) throws Exception {
    try (CloseableHttpAsyncClient client = HttpAsyncClients.custom()
        .setConnectionManager(PoolingAsyncClientConnectionManagerBuilder.create()
            .setTlsStrategy(ClientTlsStrategyBuilder.create().setSslContext(context).buildAsync()).build())
        .build()) {
      client.start();
      SimpleHttpRequest request = SimpleRequestBuilder.get(url).build();
      SimpleHttpResponse response = client.execute(request, null).get(20, TimeUnit.SECONDS);
      return response.getCode() + " " + response.getBodyText();
    }
  }
}
