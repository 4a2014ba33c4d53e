package dev.pinagent.reload;

import dev.pinagent.metrics.PolicyStatus;
import dev.pinagent.policy.PolicyException;
import dev.pinagent.policy.yaml.PolicyLoader;
import dev.pinagent.signing.DetachedSignature;
import dev.pinagent.signing.PolicySignatures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.MalformedURLException;
import java.net.URL;
import java.security.GeneralSecurityException;
import java.util.Locale;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;

/**
 * A policy served by a central policy server ({@code policy=https://pins.internal.example/payments.yaml}), its
 * signature at {@code <url>.sig}. Fetched only on the thread that loads policies (at startup, then the reload
 * thread), never on a handshake's thread; polled with {@code If-None-Match} and {@code If-Modified-Since}, so a
 * {@code 304} costs a request and no parsing.
 *
 * <p>Every fetch is bounded: the connect and read timeouts, a deadline for the whole body (a server dripping a
 * byte at a time cannot hold the thread), the loader's size limit (an endless body is cut off and refused), at
 * most three redirects and only to the same scheme, host and port.
 *
 * <p>After startup the fetch goes through the JVM's own TLS, which the agent pins like any other connection, so
 * the policy server can be pinned in the policy it serves. The pin check never fetches, so there is no
 * recursion; and the fetch runs on the reload thread, so no handshake waits for it. The startup fetch happens
 * before any policy is in force and is checked by the JDK's trust store alone.
 */
public final class PolicyServer implements PolicySource {
  static final int CONNECT_TIMEOUT_MILLIS = 5_000;
  static final int READ_TIMEOUT_MILLIS = 10_000;
  /** The whole of one response, headers and body. */
  static final long FETCH_DEADLINE_MILLIS = 20_000;
  private static final int MAX_REDIRECTS = 3;

  private final URL url;
  private final URL signatureUrl;
  private final String name;
  private final long deadlineMillis;
  /** The socket factory of fetches until the agent's hooks are in place; {@code null} afterwards. */
  private volatile SSLSocketFactory startupSockets;
  private Response policy;
  private Response signature;

  /** One {@code 200} response and what makes the next request conditional. */
  private static final class Response {
    final byte[] body;
    final String etag;
    final String lastModified;

    Response(byte[] body, String etag, String lastModified) {
      this.body = body;
      this.etag = etag;
      this.lastModified = lastModified;
    }
  }

  public PolicyServer(String location) {
    this(location, FETCH_DEADLINE_MILLIS);
  }

  PolicyServer(String location, long deadlineMillis) {
    try {
      this.url = new URL(location);
      this.signatureUrl = new URL(PolicySignatures.signatureName(location));
    } catch (MalformedURLException e) {
      throw new IllegalArgumentException("not a URL: " + location, e);
    }
    this.name = location;
    this.deadlineMillis = deadlineMillis;
  }

  /** Whether {@code policy} names a policy server rather than a file. */
  public static boolean isRemote(String policy) {
    String lower = policy.toLowerCase(Locale.ROOT);
    return lower.startsWith("https://") || lower.startsWith("http://");
  }

  /**
   * Uses the JDK's default trust store, unpinned, until {@link #pinnedFromNowOn()}: at startup no policy is in
   * force yet, and a context made before the agent's hooks are installed must not become the JVM's default.
   */
  public void unpinnedUntilHooked() {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, null, null);
      startupSockets = context.getSocketFactory();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no TLS in this JVM", e);
    }
  }

  /** From now on fetches use a TLS context made through the agent's hooks: pinned by the policy in force. */
  public void pinnedFromNowOn() {
    startupSockets = null;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String unreadableReason() {
    return PolicyStatus.UNREACHABLE;
  }

  @Override
  public byte[] read() throws PolicyException {
    policy = fetch(url, policy, PolicyLoader.MAX_FILE_BYTES);
    if (policy == null) {
      throw new PolicyException(name, 0, "", "the policy server has no such policy (HTTP 404); check the URL");
    }
    return policy.body;
  }

  @Override
  public byte[] readSignature() throws PolicyException {
    // The signature parser refuses more than its limit; one byte over is enough for it to say so.
    signature = fetch(signatureUrl, signature, DetachedSignature.MAX_FILE_BYTES + 1);
    return signature == null ? null : signature.body;
  }

  /** Fetches {@code target}; {@code null} for a 404; {@code previous} again for a 304. */
  private Response fetch(URL target, Response previous, int maxBytes) throws PolicyException {
    long deadline = System.currentTimeMillis() + deadlineMillis;
    URL current = target;
    for (int redirects = 0; ; redirects++) {
      HttpURLConnection connection = null;
      try {
        connection = (HttpURLConnection) current.openConnection();
        connection.setInstanceFollowRedirects(false);
        connection.setConnectTimeout(CONNECT_TIMEOUT_MILLIS);
        connection.setReadTimeout(READ_TIMEOUT_MILLIS);
        connection.setUseCaches(false);
        SSLSocketFactory sockets = startupSockets;
        if (connection instanceof HttpsURLConnection) {
          ((HttpsURLConnection) connection).setSSLSocketFactory(sockets != null ? sockets : pinnedSockets());
        }
        if (previous != null && previous.etag != null) {
          connection.setRequestProperty("If-None-Match", previous.etag);
        }
        if (previous != null && previous.lastModified != null) {
          connection.setRequestProperty("If-Modified-Since", previous.lastModified);
        }
        int status = connection.getResponseCode();
        if (status == HttpURLConnection.HTTP_NOT_MODIFIED && previous != null) {
          return previous;
        }
        if (status >= 300 && status < 400 && connection.getHeaderField("Location") != null) {
          URL next = new URL(current, connection.getHeaderField("Location"));
          if (!next.getProtocol().equals(current.getProtocol()) || !next.getHost().equalsIgnoreCase(current.getHost())
              || next.getPort() != current.getPort()) {
            throw new PolicyException(target.toString(), 0, "", "the policy server redirects to " + next
                + ", another scheme, host or port; redirects are followed on the same server only: point policy= "
                + "at the final URL");
          }
          if (redirects >= MAX_REDIRECTS) {
            throw new PolicyException(target.toString(), 0, "", "more than " + MAX_REDIRECTS + " redirects");
          }
          current = next;
          continue;
        }
        if (status == HttpURLConnection.HTTP_NOT_FOUND) {
          return null;
        }
        if (status != HttpURLConnection.HTTP_OK) {
          throw new PolicyException(target.toString(), 0, "", "the policy server answered HTTP " + status);
        }
        byte[] body = body(connection, target, maxBytes, deadline);
        return new Response(body, connection.getHeaderField("ETag"), connection.getHeaderField("Last-Modified"));
      } catch (IOException | RuntimeException e) {
        throw new PolicyException(target.toString(), 0, "", "cannot be fetched: " + e);
      } finally {
        if (connection != null) {
          connection.disconnect();
        }
      }
    }
  }

  private byte[] body(HttpURLConnection connection, URL target, int maxBytes, long deadline)
      throws IOException, PolicyException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    try (InputStream in = connection.getInputStream()) {
      int n;
      while ((n = in.read(buffer)) >= 0) {
        body.write(buffer, 0, n);
        if (body.size() > maxBytes) {
          throw new PolicyException(target.toString(), 0, "", "the response is larger than " + maxBytes
              + " bytes; is it a policy?");
        }
        if (System.currentTimeMillis() > deadline) {
          throw new PolicyException(target.toString(), 0, "", "the policy server sent " + body.size() + " bytes in "
              + deadlineMillis + " ms and was given up on (too slow)");
        }
      }
    }
    return body.toByteArray();
  }

  /**
   * A context made now, through the agent's hooks: its trust manager is wrapped, so the fetch is pinned. A new
   * one for each fetch, so that no TLS session is resumed: every fetch is a full handshake whose chain is checked
   * against the policy in force (a resumed session would skip the check). It costs one context a poll, on the
   * reload thread only.
   */
  private static SSLSocketFactory pinnedSockets() throws IOException {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, null, null);
      return context.getSocketFactory();
    } catch (GeneralSecurityException e) {
      throw new IOException("no TLS context: " + e, e);
    }
  }
}
