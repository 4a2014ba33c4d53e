package dev.pinagent.it.clients;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A client that keeps one TLS context, as services do, and connects to one peer address with a chosen SNI name
 * per connection, as a client of a gateway or load balancer does: {@code ResumptionProbe <jdk|netty-openssl|bcjsse>
 * <TLSv1.2|TLSv1.3> <peer host> <port> <sni>...}; a peer host of {@code sni} connects to each SNI name itself. The
 * socket clients (SunJSSE, BouncyCastle JSSE) endpoint-identify each connection (HTTPS
 * rules, against the SNI name). Each connection makes one request, so that a TLS 1.3 ticket arrives, and prints
 * {@code RESULT <n>:<sni> OK full|resumed <body>} or {@code RESULT <n>:<sni> FAIL ...}. "resumed" means its trust
 * manager was not asked: no certificate was checked for that connection. A {@code --pause} in place of a name
 * prints {@code PAUSE} and waits for a line on standard input before the next connection (a test changes the
 * policy meanwhile); it counts as a connection number.
 */
public final class ResumptionProbe {
  private ResumptionProbe() {}

  public static void main(String[] args) throws Exception {
    String client = args[0];
    String protocol = args[1];
    String peerHost = args[2];
    int port = Integer.parseInt(args[3]);
    CountingTrustManager counting = new CountingTrustManager(defaultTrustManager());
    if (client.equals("netty-openssl")) {
      NettyResumption netty = new NettyResumption(protocol, counting);
      try {
        for (int i = 4; i < args.length; i++) {
          if (pausedAt(args[i])) {
            continue;
          }
          String label = (i - 3) + ":" + args[i];
          int checksBefore = counting.checks.get();
          try {
            String body = netty.get(peerHost.equals("sni") ? args[i] : peerHost, port, args[i]);
            String kind = counting.checks.get() == checksBefore ? "resumed" : "full";
            System.out.println("RESULT " + label + " OK " + kind + " " + body);
          } catch (Exception e) {
            System.out.println("RESULT " + label + " FAIL " + HttpsProbe.describe(e));
          }
        }
      } finally {
        netty.close();
      }
      return;
    }
    SSLContext context;
    if (client.equals("bcjsse")) {
      context = BcJsseClients.context(counting);
    } else {
      context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {counting}, null);
    }
    for (int i = 4; i < args.length; i++) {
      if (pausedAt(args[i])) {
        continue;
      }
      String sni = args[i];
      String label = (i - 3) + ":" + sni;
      int checksBefore = counting.checks.get();
      String peer = peerHost.equals("sni") ? sni : peerHost;
      try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(peer, port)) {
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setServerNames(List.of(new SNIHostName(sni)));
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        parameters.setProtocols(new String[] {protocol});
        socket.setSSLParameters(parameters);
        socket.setSoTimeout(20_000);
        socket.startHandshake();
        String body = get(socket, sni);
        String kind = counting.checks.get() == checksBefore ? "resumed" : "full";
        System.out.println("RESULT " + label + " OK " + kind + " " + body);
      } catch (Exception e) {
        System.out.println("RESULT " + label + " FAIL " + HttpsProbe.describe(e));
      }
    }
  }

  private static final java.io.BufferedReader STDIN =
      new java.io.BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));

  /** Whether {@code argument} is {@code --pause}; if so, waits for a line on standard input. */
  private static boolean pausedAt(String argument) throws java.io.IOException {
    if (!argument.equals("--pause")) {
      return false;
    }
    System.out.println("PAUSE");
    System.out.flush();
    STDIN.readLine();
    return true;
  }

  private static String get(SSLSocket socket, String host) throws Exception {
    OutputStream out = socket.getOutputStream();
    out.write(("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    // Reads up to the body (one line) rather than to the end: some providers (BouncyCastle) throw at an end
    // without close_notify, which the JDK's test server does not send.
    String line;
    boolean body = false;
    while ((line = in.readLine()) != null) {
      if (body && !line.isEmpty()) {
        return line;
      }
      body |= line.isEmpty();
    }
    return "";
  }

  private static X509ExtendedTrustManager defaultTrustManager() throws Exception {
    TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init((KeyStore) null);
    return (X509ExtendedTrustManager) factory.getTrustManagers()[0];
  }

  /** Delegates to the JVM's trust manager and counts the server checks it is asked for. */
  static final class CountingTrustManager extends X509ExtendedTrustManager {
    final AtomicInteger checks = new AtomicInteger();
    private final X509ExtendedTrustManager delegate;

    CountingTrustManager(X509ExtendedTrustManager delegate) {
      this.delegate = delegate;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      checks.incrementAndGet();
      delegate.checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      checks.incrementAndGet();
      delegate.checkServerTrusted(chain, authType, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      checks.incrementAndGet();
      delegate.checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      delegate.checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      delegate.checkClientTrusted(chain, authType, engine);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      delegate.checkClientTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return delegate.getAcceptedIssuers();
    }
  }
}
