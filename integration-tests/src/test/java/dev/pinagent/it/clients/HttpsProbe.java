package dev.pinagent.it.clients;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A client program run in a forked JVM, the way a legacy service would run: it knows nothing of the agent.
 * Each library's clients live in a class of their own, loaded only when used, so a JVM needs only the jars of
 * the client it runs. {@code HttpsProbe <client> [--hold] <url>...} fetches each URL and prints one line per URL:
 * {@code RESULT <url> OK <body>} or {@code RESULT <url> FAIL <exception chain>}. With {@code --hold} it then
 * prints {@code HOLD} and waits for its standard input to close, so a test can scrape its metrics; with
 * {@code --hold --again} it then fetches every URL once more (for a test that attaches the agent meanwhile).
 * With {@code --commands} it then reads URLs from standard input, one per line, fetches each, prints its
 * {@code RESULT} line and {@code DONE <n>} (the n-th command), until its input closes.
 */
public final class HttpsProbe {
  private HttpsProbe() {}

  public static void main(String[] args) throws Exception {
    String client = args[0];
    boolean hold = false;
    boolean again = false;
    boolean commands = false;
    List<String> urls = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      if (args[i].equals("--hold")) {
        hold = true;
      } else if (args[i].equals("--again")) {
        again = true;
      } else if (args[i].equals("--commands")) {
        commands = true;
      } else {
        urls.add(args[i]);
      }
    }
    fetchAll(client, urls);
    if (commands) {
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      int done = 0;
      for (String url = in.readLine(); url != null; url = in.readLine()) {
        fetchAll(client, List.of(url.trim()));
        System.out.println("DONE " + ++done);
        System.out.flush();
      }
      return;
    }
    if (hold) {
      System.out.println("HOLD");
      System.out.flush();
      InputStream in = System.in;
      while (in.read() >= 0) {
        // Wait until the test closes our standard input.
      }
      if (again) {
        fetchAll(client, urls);
      }
    }
  }

  private static void fetchAll(String client, List<String> urls) {
    for (String url : urls) {
      try {
        System.out.println("RESULT " + url + " OK " + fetch(client, url).trim());
      } catch (Exception e) {
        System.out.println("RESULT " + url + " FAIL " + describe(e));
      }
    }
    System.out.flush();
  }

  private static String fetch(String client, String url) throws Exception {
    switch (client) {
      case "jdk-default":
        return jdkHttpClient(HttpClient.newBuilder(), url);
      case "jdk-custom":
        return jdkHttpClient(HttpClient.newBuilder().sslContext(contextWith(defaultTrustManager())), url);
      case "jdk-plain-tm":
        return jdkHttpClient(HttpClient.newBuilder().sslContext(contextWith(new PlainDelegatingTrustManager())), url);
      case "jdk-empty-issuers-tm":
        return jdkHttpClient(HttpClient.newBuilder().sslContext(contextWith(new EmptyIssuersTrustManager())), url);
      case "urlconnection-default":
        return urlConnection(url, null, false);
      case "urlconnection-custom":
        return urlConnection(url, contextWith(defaultTrustManager()), false);
      case "trust-all":
        return urlConnection(url, contextWith(new TrustAllManager()), true);
      case "trust-all-extended":
        return urlConnection(url, contextWith(new TrustAllExtendedManager()), true);
      case "okhttp-default":
      case "okhttp-custom":
        return OkHttpClients.fetch(client, url);
      case "apache-classic":
      case "apache-async":
      case "apache-trust-strategy":
        return ApacheClients.fetch(client, url);
      case "netty-jdk":
      case "netty-openssl":
        return NettyClients.fetch(client, url);
      case "jetty":
        return JettyClients.fetch(url);
      case "grpc":
        return GrpcClients.fetch(url);
      case "bcjsse-default":
        return urlConnection(url, BcJsseClients.context(null), false);
      case "bcjsse-custom":
        return urlConnection(url, BcJsseClients.context(defaultTrustManager()), false);
      case "bcjsse-trust-all-extended":
        return urlConnection(url, BcJsseClients.context(new TrustAllExtendedManager()), true);
      default:
        throw new IllegalArgumentException("unknown client " + client);
    }
  }

  private static String jdkHttpClient(HttpClient.Builder builder, String url) throws Exception {
    HttpClient httpClient = builder.connectTimeout(Duration.ofSeconds(10)).version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<String> response = httpClient.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).build(),
        HttpResponse.BodyHandlers.ofString());
    return response.statusCode() + " " + response.body();
  }

  private static String urlConnection(String url, SSLContext context, boolean allowAllHostnames) throws Exception {
    HttpsURLConnection connection = (HttpsURLConnection) new URL(url).openConnection();
    connection.setConnectTimeout(10_000);
    connection.setReadTimeout(20_000);
    if (context != null) {
      connection.setSSLSocketFactory(context.getSocketFactory());
    }
    if (allowAllHostnames) {
      connection.setHostnameVerifier((host, session) -> true);
    }
    try (BufferedReader reader = new BufferedReader(
        new InputStreamReader(connection.getInputStream(), StandardCharsets.UTF_8))) {
      return connection.getResponseCode() + " " + reader.readLine();
    }
  }

  static SSLContext contextWith(TrustManager trustManager) throws Exception {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, new TrustManager[] {trustManager}, null);
    return context;
  }

  static X509TrustManager defaultTrustManager() throws Exception {
    TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init((KeyStore) null);
    for (TrustManager manager : factory.getTrustManagers()) {
      if (manager instanceof X509TrustManager) {
        return (X509TrustManager) manager;
      }
    }
    throw new IllegalStateException("no X509TrustManager");
  }

  static String describe(Throwable error) {
    StringBuilder text = new StringBuilder();
    for (Throwable cause = error; cause != null; cause = cause.getCause()) {
      if (text.length() > 0) {
        text.append(" <- ");
      }
      text.append(cause.getClass().getName()).append(": ").append(String.valueOf(cause.getMessage()));
      if (cause.getCause() == cause) {
        break;
      }
    }
    return text.toString().replace('\n', '|');
  }

  /** A plain (not extended) trust manager, as legacy code writes them: the JDK adds the hostname check. */
  static final class PlainDelegatingTrustManager implements X509TrustManager {
    private final X509TrustManager delegate;

    PlainDelegatingTrustManager() throws Exception {
      delegate = defaultTrustManager();
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      delegate.checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      delegate.checkServerTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return delegate.getAcceptedIssuers();
    }
  }

  /**
   * A validating manager as it is often hand-written: it delegates its checks to one from a factory, loaded
   * from its own trust store ({@code -Dprobe.trustStore}, a PKCS#12 file with password {@code changeit}) rather
   * than the JVM's, and returns an empty array of accepted issuers.
   */
  static final class EmptyIssuersTrustManager implements X509TrustManager {
    private final X509TrustManager delegate;

    EmptyIssuersTrustManager() throws Exception {
      KeyStore store = KeyStore.getInstance("PKCS12");
      try (InputStream in = new java.io.FileInputStream(System.getProperty("probe.trustStore"))) {
        store.load(in, "changeit".toCharArray());
      }
      TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(store);
      delegate = (X509TrustManager) factory.getTrustManagers()[0];
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      delegate.checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      delegate.checkServerTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }

  /** The legacy trust-all manager as it is usually written: plain, accepts any chain, names no issuers. */
  static final class TrustAllManager implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }

  /** A trust-all manager that is extended, so the JDK adds no checks of its own around it. */
  static final class TrustAllExtendedManager extends X509ExtendedTrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
