package dev.pinagent.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.function.Supplier;

/**
 * Serves {@code GET /metrics} in the Prometheus text format from the JDK's built-in HTTP server, on one
 * daemon thread, so the agent never keeps the host JVM alive or adds a web stack to it.
 */
public final class MetricsEndpoint implements AutoCloseable {
  private static final String TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8";

  private final HttpServer server;

  private MetricsEndpoint(HttpServer server) {
    this.server = server;
  }

  /**
   * Binds {@code host:port} and starts serving what {@code scrape} returns, in the Prometheus text format;
   * port 0 picks a free port (see {@link #port()}).
   */
  public static MetricsEndpoint start(String host, int port, Supplier<String> scrape) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 16);
    server.createContext("/metrics", exchange -> serve(exchange, scrape));
    server.setExecutor(Executors.newSingleThreadExecutor(daemonThreads()));
    server.start();
    return new MetricsEndpoint(server);
  }

  private static void serve(HttpExchange exchange, Supplier<String> scrape) throws IOException {
    try {
      if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      byte[] body;
      int status;
      try {
        body = scrape.get().getBytes(StandardCharsets.UTF_8);
        status = 200;
      } catch (RuntimeException | Error e) {
        body = ("# the agent could not collect its metrics (see its stderr): " + e + "\n")
            .getBytes(StandardCharsets.UTF_8);
        status = 500;
      }
      exchange.getResponseHeaders().set("Content-Type", TEXT_FORMAT);
      if ("HEAD".equals(exchange.getRequestMethod())) {
        exchange.sendResponseHeaders(status, -1);
        return;
      }
      exchange.sendResponseHeaders(status, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    } finally {
      exchange.close();
    }
  }

  private static ThreadFactory daemonThreads() {
    return runnable -> {
      Thread thread = new Thread(runnable, "pin-agent-metrics");
      thread.setDaemon(true);
      return thread;
    };
  }

  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
