package dev.pinagent.cli;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Where a chain comes from: a live server ({@code host[:port]}), a PEM or DER file (several certificates in
 * one PEM), or a key store. A server's chain is captured whatever its trust — a pin is most needed exactly
 * when the JVM does not trust the server — and judged separately.
 */
final class ChainSource {
  static final int DEFAULT_PORT = 443;

  final String description;
  final String host;
  final int port;
  final X509Certificate[] chain;

  private ChainSource(String description, String host, int port, X509Certificate[] chain) {
    this.description = description;
    this.host = host;
    this.port = port;
    this.chain = chain;
  }

  static ChainSource of(String target, String storePassword, int timeoutMillis) throws Exception {
    Path file = Path.of(target);
    if (Files.isRegularFile(file)) {
      if (storePassword != null || TrustStores.KeyStores.looksLikeKeyStore(file)) {
        return new ChainSource(target, null, -1, fromKeyStore(TrustStores.KeyStores.load(file, storePassword)));
      }
      return new ChainSource(target, null, -1, fromCertificateFile(file));
    }
    String host = target;
    int port = DEFAULT_PORT;
    if (target.startsWith("[")) {
      int end = target.indexOf(']');
      if (end < 0) {
        throw new UsageException("'" + target + "' is neither a file nor host[:port]; write IPv6 as [::1]:443");
      }
      host = target.substring(1, end);
      if (target.length() > end + 1) {
        port = parsePort("'" + target + "'", target.substring(end + 2));
      }
    } else if (target.indexOf(':') > 0 && target.indexOf(':') == target.lastIndexOf(':')) {
      host = target.substring(0, target.indexOf(':'));
      port = parsePort("'" + target + "'", target.substring(target.indexOf(':') + 1));
    }
    return new ChainSource(host + ":" + port, host, port, fromServer(host, port, timeoutMillis));
  }

  /**
   * Captures the chain of {@code host:port} without judging it, within {@code timeoutMillis} from start to
   * finish: name lookup, connect and handshake together. A socket timeout alone bounds each read, and a server
   * that sends one byte every half second would hold the handshake for hours; so the capture runs on a daemon
   * thread, and when the deadline passes its socket is closed and the caller is told, whatever the thread is
   * waiting for.
   */
  static X509Certificate[] fromServer(String host, int port, int timeoutMillis) throws Exception {
    Capture capture = new Capture(host, port, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis));
    FutureTask<X509Certificate[]> task = new FutureTask<>(capture);
    Thread thread = new Thread(task, "pin-agent-capture " + host + ":" + port);
    thread.setDaemon(true);
    thread.start();
    try {
      return task.get(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      capture.abort();
      throw new SocketTimeoutException(host + ":" + port + " did not complete the TLS handshake within "
          + seconds(timeoutMillis) + " (--timeout bounds name lookup, connect and handshake together)");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception) {
        throw (Exception) e.getCause();
      }
      throw e;
    } finally {
      if (!task.isDone()) {
        capture.abort();
      }
    }
  }

  private static String seconds(long millis) {
    return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
  }

  /** One capture, abortable from another thread by closing its socket. */
  private static final class Capture implements Callable<X509Certificate[]> {
    private final String host;
    private final int port;
    private final long deadline;
    private volatile Socket socket;
    private volatile boolean aborted;

    Capture(String host, int port, long deadline) {
      this.host = host;
      this.port = port;
      this.deadline = deadline;
    }

    @Override
    public X509Certificate[] call() throws Exception {
      Capturing capturing = new Capturing();
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {capturing}, null);
      try (Socket plain = new Socket()) {
        socket = plain;
        if (aborted) {
          throw new SocketTimeoutException("aborted");
        }
        InetSocketAddress address = new InetSocketAddress(host, port);
        plain.connect(address, remainingMillis());
        plain.setSoTimeout(remainingMillis());
        try (SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(plain, host, port, false)) {
          if (host.indexOf('.') > 0 && !Character.isDigit(host.charAt(host.length() - 1)) && host.indexOf(':') < 0) {
            SSLParameters parameters = tls.getSSLParameters();
            parameters.setServerNames(Collections.singletonList(new SNIHostName(host)));
            tls.setSSLParameters(parameters);
          }
          tls.startHandshake();
        }
      }
      if (capturing.chain == null) {
        throw new IllegalStateException(host + ":" + port + " sent no certificate");
      }
      return capturing.chain;
    }

    /** At least 1: a socket timeout of 0 would mean none. */
    private int remainingMillis() {
      return (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
    }

    void abort() {
      aborted = true;
      Socket open = socket;
      if (open != null) {
        try {
          open.close();
        } catch (java.io.IOException e) {
          // Closed either way.
        }
      }
    }
  }

  /** Parses a TCP port; {@code what} names the argument in the error, e.g. {@code 'host:x'} or {@code --port}. */
  static int parsePort(String what, String text) throws UsageException {
    try {
      int port = Integer.parseInt(text);
      if (port > 0 && port < 65536) {
        return port;
      }
    } catch (NumberFormatException e) {
      // Reported below.
    }
    throw new UsageException(what + ": the port must be a number from 1 to 65535, got '" + text + "'");
  }

  private static X509Certificate[] fromCertificateFile(Path file) throws Exception {
    try (InputStream in = Files.newInputStream(file)) {
      List<X509Certificate> certificates = new ArrayList<>();
      for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        certificates.add((X509Certificate) certificate);
      }
      if (certificates.isEmpty()) {
        throw new IllegalArgumentException(file + " holds no certificate");
      }
      return certificates.toArray(new X509Certificate[0]);
    } catch (java.security.cert.CertificateException e) {
      throw new IllegalArgumentException(file + " is not a PEM or DER certificate file (nor a key store: pass "
          + "--storepass for one): " + e.getMessage());
    }
  }

  private static X509Certificate[] fromKeyStore(KeyStore store) throws Exception {
    List<X509Certificate> trusted = new ArrayList<>();
    for (String alias : Collections.list(store.aliases())) {
      Certificate[] chain = store.getCertificateChain(alias);
      if (chain != null && chain.length > 0) {
        X509Certificate[] result = new X509Certificate[chain.length];
        for (int i = 0; i < chain.length; i++) {
          result[i] = (X509Certificate) chain[i];
        }
        return result;
      }
      if (store.getCertificate(alias) instanceof X509Certificate) {
        trusted.add((X509Certificate) store.getCertificate(alias));
      }
    }
    if (trusted.isEmpty()) {
      throw new IllegalArgumentException("the key store holds no certificate");
    }
    return trusted.toArray(new X509Certificate[0]);
  }

  /** Accepts any chain and remembers it: judging it is the command's job, not the handshake's. */
  private static final class Capturing extends X509ExtendedTrustManager {
    volatile X509Certificate[] chain;

    @Override
    public void checkServerTrusted(X509Certificate[] certificates, String authType, Socket socket) {
      chain = certificates.clone();
    }

    @Override
    public void checkServerTrusted(X509Certificate[] certificates, String authType, SSLEngine engine) {
      chain = certificates.clone();
    }

    @Override
    public void checkServerTrusted(X509Certificate[] certificates, String authType) {
      chain = certificates.clone();
    }

    @Override
    public void checkClientTrusted(X509Certificate[] certificates, String authType, Socket socket) {
      throw new UnsupportedOperationException("client side only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] certificates, String authType, SSLEngine engine) {
      throw new UnsupportedOperationException("client side only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] certificates, String authType) {
      throw new UnsupportedOperationException("client side only");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
