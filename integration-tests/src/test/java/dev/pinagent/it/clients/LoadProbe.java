package dev.pinagent.it.clients;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * Many full TLS handshakes from many threads: {@code LoadProbe <threads> <handshakes per thread | seconds
 * followed by s> <port>...} connects to localhost on the ports in turn with the default context, invalidating
 * each session so that none is resumed (a resumed session skips the trust manager). Prints {@code HANDSHAKES
 * ok=N failed=M} and the first failure, then {@code PORT <port> ok=N failed=M} for each port, then {@code HOLD}; after its input closes it prints {@code THREAD <name> daemon=<flag>}
 * for every live thread, so a test can see what the agent left running.
 */
public final class LoadProbe {
  private LoadProbe() {}

  public static void main(String[] args) throws Exception {
    int threads = Integer.parseInt(args[0]);
    boolean timed = args[1].endsWith("s");
    int perThread = timed ? Integer.MAX_VALUE : Integer.parseInt(args[1]);
    long deadline = timed
        ? System.nanoTime() + Long.parseLong(args[1].substring(0, args[1].length() - 1)) * 1_000_000_000L
        : Long.MAX_VALUE;
    List<Integer> ports = new ArrayList<>();
    for (int i = 2; i < args.length; i++) {
      ports.add(Integer.parseInt(args[i]));
    }
    SSLSocketFactory factory = SSLContext.getDefault().getSocketFactory();
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    java.util.Map<Integer, AtomicInteger[]> byPort = new java.util.TreeMap<>();
    for (int port : ports) {
      byPort.put(port, new AtomicInteger[] {new AtomicInteger(), new AtomicInteger()});
    }
    List<String> failures = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<?>> work = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      work.add(pool.submit(() -> {
        for (int i = 0; i < perThread && (!timed || System.nanoTime() < deadline); i++) {
          int port = ports.get((thread + i) % ports.size());
          try (SSLSocket socket = (SSLSocket) factory.createSocket("localhost", port)) {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            socket.getSession().invalidate();
            ok.incrementAndGet();
            byPort.get(port)[0].incrementAndGet();
          } catch (Exception e) {
            failed.incrementAndGet();
            byPort.get(port)[1].incrementAndGet();
            synchronized (failures) {
              if (failures.size() < 10) {
                failures.add(port + ": " + e);
              }
            }
          }
        }
      }));
    }
    for (Future<?> future : work) {
      future.get();
    }
    pool.shutdown();
    pool.awaitTermination(10, TimeUnit.SECONDS);
    System.out.println("HANDSHAKES ok=" + ok + " failed=" + failed + (failures.isEmpty() ? "" : " first=" + failures.get(0)));
    for (java.util.Map.Entry<Integer, AtomicInteger[]> port : byPort.entrySet()) {
      System.out.println("PORT " + port.getKey() + " ok=" + port.getValue()[0] + " failed=" + port.getValue()[1]);
    }
    System.out.println("HOLD");
    System.out.flush();
    InputStream in = System.in;
    while (in.read() >= 0) {
      // Wait until the test has scraped the metrics.
    }
    for (Thread thread : Thread.getAllStackTraces().keySet()) {
      System.out.println("THREAD " + thread.getName() + " daemon=" + thread.isDaemon());
    }
  }
}
