package dev.pinagent.it.clients;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * An application with its own Micrometer, set up as Spring Boot's actuator sets it up: a Prometheus registry added
 * to {@link Metrics#globalRegistry}, and a meter of its own. {@code MicrometerApp <url>...} fetches each URL
 * (printing {@code RESULT <url> OK|FAIL}), then scrapes its own registry until it holds a line starting with each
 * text given after {@code --await} (or 60 s pass), prints {@code SCRAPE}, the scrape, and {@code END}.
 */
public final class MicrometerApp {
  private MicrometerApp() {}

  public static void main(String[] args) throws Exception {
    PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Metrics.globalRegistry.add(prometheus);
    Counter requests = Metrics.counter("app.requests");
    List<String> awaited = new ArrayList<>();
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--await")) {
        awaited.add(args[++i]);
        continue;
      }
      requests.increment();
      try {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(args[i])).build(),
            HttpResponse.BodyHandlers.ofString());
        System.out.println("RESULT " + args[i] + " OK " + response.body().trim());
      } catch (Exception e) {
        System.out.println("RESULT " + args[i] + " FAIL " + e);
      }
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    String scrape = prometheus.scrape();
    while (!holdsAll(scrape, awaited) && System.nanoTime() < deadline) {
      Thread.sleep(200);
      scrape = prometheus.scrape();
    }
    System.out.println("SCRAPE");
    System.out.println(scrape);
    System.out.println("END");
  }

  private static boolean holdsAll(String scrape, List<String> awaited) {
    for (String line : awaited) {
      if (!scrape.contains("\n" + line)) {
        return false;
      }
    }
    return true;
  }
}
