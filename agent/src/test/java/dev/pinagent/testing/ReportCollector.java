package dev.pinagent.testing;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import org.yaml.snakeyaml.Yaml;

/**
 * A violation-report collector on 127.0.0.1 (plain HTTP, or HTTPS with a given chain) that records every POST it
 * receives and answers as told: {@code 204}, {@code 500}, or never (it hangs until closed).
 */
public final class ReportCollector implements AutoCloseable {
  /** How the collector answers. */
  public enum Answer {
    ACCEPT,
    SERVER_ERROR,
    /** {@code 401} with {@code WWW-Authenticate: Basic}: asks the client for credentials. */
    ASK_FOR_CREDENTIALS,
    HANG
  }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final List<String> bodies = new ArrayList<>();
  private final List<String> contentTypes = new ArrayList<>();
  private final List<String> authorizations = new ArrayList<>();
  private final AtomicInteger requests = new AtomicInteger();
  private final CountDownLatch released = new CountDownLatch(1);
  private volatile Answer answer;

  private ReportCollector(HttpServer server, Answer answer) {
    this.server = server;
    this.answer = answer;
    server.createContext("/", exchange -> {
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readAllBytes();
      }
      synchronized (bodies) {
        requests.incrementAndGet();
        bodies.add(exchange.getRequestMethod() + " " + new String(body, StandardCharsets.UTF_8));
        contentTypes.add(exchange.getRequestHeaders().getFirst("Content-Type"));
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        if (authorization != null) {
          authorizations.add(authorization);
        }
        bodies.notifyAll();
      }
      if (this.answer == Answer.HANG) {
        try {
          released.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      if (this.answer == Answer.ASK_FOR_CREDENTIALS) {
        exchange.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"reports\"");
      }
      exchange.sendResponseHeaders(this.answer == Answer.SERVER_ERROR ? 500
          : this.answer == Answer.ASK_FOR_CREDENTIALS ? 401 : 204, -1);
      exchange.close();
    });
    server.setExecutor(executor);
    server.start();
  }

  public static ReportCollector start(Answer answer) {
    try {
      return new ReportCollector(HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 50),
          answer);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An HTTPS collector sending {@code chain}. */
  public static ReportCollector startHttps(PrivateKey key, X509Certificate... chain) {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(new KeyManager[] {new FixedKeyManager(key, chain)}, null, null);
      HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 50);
      server.setHttpsConfigurator(new HttpsConfigurator(context));
      return new ReportCollector(server, Answer.ACCEPT);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public void answer(Answer answer) {
    this.answer = answer;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public String url(String host) {
    return (server instanceof HttpsServer ? "https" : "http") + "://" + host + ":" + port() + "/pin-reports";
  }

  /** Requests received so far (each attempt of a retried report is one). */
  public int requests() {
    return requests.get();
  }

  public List<String> contentTypes() {
    synchronized (bodies) {
      return new ArrayList<>(contentTypes);
    }
  }

  /** The {@code Authorization} headers received so far. */
  public List<String> authorizations() {
    synchronized (bodies) {
      return new ArrayList<>(authorizations);
    }
  }

  /** The bodies received so far, as sent. */
  public List<String> bodies() {
    List<String> sent = new ArrayList<>();
    synchronized (bodies) {
      for (String body : bodies) {
        sent.add(body.substring(body.indexOf(' ') + 1));
      }
    }
    return sent;
  }

  /** The reports received so far, parsed; only POSTs (a request with another method fails the test). */
  public List<Map<String, Object>> reports() {
    List<Map<String, Object>> reports = new ArrayList<>();
    synchronized (bodies) {
      for (String body : bodies) {
        if (!body.startsWith("POST ")) {
          throw new AssertionError("not a POST: " + body);
        }
        reports.add(new Yaml().load(body.substring("POST ".length())));
      }
    }
    return reports;
  }

  /** Waits until {@code count} requests have arrived; fails after {@code timeout}. */
  public void awaitRequests(int count, Duration timeout) {
    long end = System.nanoTime() + timeout.toNanos();
    synchronized (bodies) {
      while (requests.get() < count) {
        long left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime());
        if (left <= 0) {
          throw new AssertionError("the collector received " + requests.get() + " request(s), expected " + count);
        }
        try {
          bodies.wait(left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError(e);
        }
      }
    }
  }

  @Override
  public void close() {
    released.countDown();
    server.stop(0);
    executor.shutdownNow();
  }
}
