package dev.pinagent.it.clients;

import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.X509TrustManager;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/** OkHttp 5: with its platform defaults, and with an explicit {@code sslSocketFactory(factory, trustManager)}. */
final class OkHttpClients {
  private OkHttpClients() {}

  static String fetch(String variant, String url) throws Exception {
    OkHttpClient.Builder builder = new OkHttpClient.Builder().connectTimeout(10, TimeUnit.SECONDS)
        .readTimeout(20, TimeUnit.SECONDS);
    if (variant.equals("okhttp-custom")) {
      X509TrustManager trustManager = HttpsProbe.defaultTrustManager();
      SSLContext context = HttpsProbe.contextWith(trustManager);
      builder.sslSocketFactory(context.getSocketFactory(), trustManager);
    }
    OkHttpClient client = builder.build();
    try (Response response = client.newCall(new Request.Builder().url(url).build()).execute()) {
      return response.code() + " " + response.body().string();
    } finally {
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    }
  }
}
