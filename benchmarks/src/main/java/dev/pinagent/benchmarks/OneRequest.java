package dev.pinagent.benchmarks;

import java.io.InputStream;
import java.net.URL;
import javax.net.ssl.HttpsURLConnection;

/** The forked startup probe: one HTTPS request with the JVM's defaults, a line saying it is done, then exit. */
public final class OneRequest {
  private OneRequest() {}

  public static void main(String[] args) throws Exception {
    HttpsURLConnection connection = (HttpsURLConnection) new URL(args[0]).openConnection();
    try (InputStream in = connection.getInputStream()) {
      in.readAllBytes();
    }
    if (connection.getResponseCode() != 200) {
      throw new IllegalStateException("status " + connection.getResponseCode());
    }
    System.out.println("response read");
  }
}
