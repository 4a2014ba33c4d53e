package dev.pinagent.it.support;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Scrapes a forked JVM's Prometheus endpoint and reads sample values from it. */
public final class Metrics {
  private final String text;

  private Metrics(String text) {
    this.text = text;
  }

  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Scrapes {@code http://127.0.0.1:<port>/metrics}, retrying briefly while the endpoint starts. */
  public static Metrics scrape(int port) {
    return scrapeWithin(port, Duration.ofSeconds(5));
  }

  /** Scrapes, retrying for as long as {@code patience} while the endpoint starts (a JVM on a loaded machine). */
  public static Metrics scrapeWithin(int port, Duration patience) {
    HttpClient client = HttpClient.newHttpClient();
    Exception last = null;
    long attempts = Math.max(1, patience.toMillis() / 100);
    for (int attempt = 0; attempt < attempts; attempt++) {
      try {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          return new Metrics(response.body());
        }
      } catch (Exception e) {
        last = e;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    throw new AssertionError("no metrics at port " + port, last);
  }

  /**
   * The value of the sample {@code name} whose labels include each of {@code labels} (written
   * {@code key="value"}), or 0 when there is none.
   */
  public double value(String name, String... labels) {
    Matcher matcher = samples(name);
    while (matcher.find()) {
      if (hasAll(matcher.group(1), labels)) {
        return Double.parseDouble(matcher.group(2));
      }
    }
    return 0;
  }

  /** The sum of the samples {@code name} whose labels include each of {@code labels}. */
  public double sum(String name, String... labels) {
    double sum = 0;
    Matcher matcher = samples(name);
    while (matcher.find()) {
      if (hasAll(matcher.group(1), labels)) {
        sum += Double.parseDouble(matcher.group(2));
      }
    }
    return sum;
  }

  /** Whether a sample {@code name} with each of {@code labels} is there. */
  public boolean has(String name, String... labels) {
    Matcher matcher = samples(name);
    while (matcher.find()) {
      if (hasAll(matcher.group(1), labels)) {
        return true;
      }
    }
    return false;
  }

  private Matcher samples(String name) {
    return Pattern.compile("^" + Pattern.quote(name) + "(?:\\{([^}]*)\\})? (\\S+)$", Pattern.MULTILINE)
        .matcher(text);
  }

  private static boolean hasAll(String sampleLabels, String... labels) {
    for (String label : labels) {
      if (sampleLabels == null || !sampleLabels.contains(label)) {
        return false;
      }
    }
    return true;
  }

  public String text() {
    return text;
  }

  @Override
  public String toString() {
    return text;
  }
}
