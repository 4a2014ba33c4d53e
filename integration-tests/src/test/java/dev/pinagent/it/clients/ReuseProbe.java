package dev.pinagent.it.clients;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * One client, as a service keeps one, fetching several URLs in turn: {@code ReuseProbe <okhttp|jdk|apache|jetty>
 * <url>...}. Prints {@code RESULT <url> OK <protocol> <body>} or {@code RESULT <url> FAIL ...}; the OkHttp client
 * then prints {@code CONNECTIONS <n>}, the connections its pool opened (one, when a later host rode an earlier
 * host's HTTP/2 connection).
 */
public final class ReuseProbe {
  private ReuseProbe() {}

  public static void main(String[] args) throws Exception {
    String client = args[0];
    String[] urls = Arrays.copyOfRange(args, 1, args.length);
    switch (client) {
      case "okhttp":
        okHttp(urls);
        break;
      case "jdk":
        jdk(urls);
        break;
      case "apache":
        ApacheClients.fetchAllWithOneClient(urls);
        break;
      case "jetty":
        JettyClients.fetchAllWithOneClient(urls);
        break;
      default:
        throw new IllegalArgumentException("unknown client " + client);
    }
  }

  private static void okHttp(String[] urls) {
    OkHttpClient client = new OkHttpClient.Builder().connectTimeout(10, TimeUnit.SECONDS)
        .readTimeout(20, TimeUnit.SECONDS).build();
    for (String url : urls) {
      try (Response response = client.newCall(new Request.Builder().url(url).build()).execute()) {
        System.out.println("RESULT " + url + " OK " + response.protocol() + " " + response.body().string().trim());
      } catch (Exception e) {
        fail(url, e);
      }
    }
    System.out.println("CONNECTIONS " + client.connectionPool().connectionCount());
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }

  private static void jdk(String[] urls) {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
        .version(HttpClient.Version.HTTP_2).build();
    for (String url : urls) {
      try {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        System.out.println("RESULT " + url + " OK " + response.version() + " " + response.body().trim());
      } catch (Exception e) {
        fail(url, e);
      }
    }
  }

  static void fail(String url, Exception e) {
    System.out.println("RESULT " + url + " FAIL " + HttpsProbe.describe(e));
  }
}
