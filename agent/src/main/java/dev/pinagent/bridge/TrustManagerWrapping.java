package dev.pinagent.bridge;

import java.lang.reflect.Array;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLContext;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The entry point the hooks call (reflectively; see the package doc) to wrap trust managers. It holds the only
 * static state of the agent, because code woven into the JDK can reach nothing else.
 *
 * <p>It also records which agent load is in force. Every load of the agent in a JVM runs these very classes:
 * {@code -javaagent} and a dynamic attach both put the jar on the system class path, and the system class
 * loader defines a class once, from the first jar that has it, so a second load (the same jar again, or a copy
 * at another path) runs the first jar's classes and sees this state. A system property would be visible too,
 * but anyone can set one; only code already running in the JVM can reach this field.
 *
 * <p>Wrapping is idempotent: an already wrapped manager is returned as it is, and the same delegate always
 * gets the same wrapper, so a factory asked a thousand times does not count a thousand wrappers.
 */
public final class TrustManagerWrapping {
  private static volatile PinEnforcement enforcement;

  /** The policy of the agent load in force, or null before one attached. Guarded by the class. */
  private static String attachedPolicy;

  private static final WrapperCache WRAPPERS = new WrapperCache();

  private TrustManagerWrapping() {}

  /** The tag value of {@code tls.pin.trust.managers.wrapped} for each hook. */
  static final String CHOSEN_SOURCE = "ssl_context";
  static final String IN_USE_SOURCE = "ssl_context_in_use";
  static final String FACTORY_SOURCE = "trust_manager_factory";
  static final String INIT_ARGUMENT_SOURCE = "ssl_context_init";

  /**
   * Makes wrapping live for the agent loaded with {@code policy} (before, {@link #wrap} returns its argument
   * unchanged), unless an agent is attached already: then it changes nothing and returns that agent's policy. A JVM runs one policy; a second load must never replace
   * the first, whose hosts would then be unpinned without anyone having asked for it.
   *
   * @return {@code null} when this load is now the one in force, else the policy of the one that is
   */
  public static synchronized String attach(String policy, PinEnforcement newEnforcement) {
    if (attachedPolicy != null) {
      return attachedPolicy;
    }
    attachedPolicy = policy;
    enforcement = newEnforcement;
    return null;
  }

  /** The policy of the agent load in force, or {@code null} when none has attached. */
  public static synchronized String attachedPolicy() {
    return attachedPolicy;
  }

  /**
   * Makes wrapping live with {@code newEnforcement} ({@code null}: not at all), and forgets any attached load.
   * For tests, which install a recording enforcement per test; the agent attaches with {@link #attach}.
   */
  public static synchronized void install(PinEnforcement newEnforcement) {
    attachedPolicy = null;
    enforcement = newEnforcement;
  }

  /** Called on exit of {@code SSLContextImpl.chooseTrustManager} with the trust manager SunJSSE chose. */
  public static Object wrapChosen(Object context, Object chosenTrustManager) {
    return wrap(chosenTrustManager, CHOSEN_SOURCE);
  }

  /**
   * Called on exit of {@code SSLContextImpl.getX509TrustManager}, at every handshake, with the manager the
   * context holds: already the wrapper, unless the context was initialized before the hooks.
   */
  public static Object wrapInUse(Object context, Object trustManager) {
    return wrap(trustManager, IN_USE_SOURCE);
  }

  /** Called on entry of SunJSSE's client handshake with its context; returns it unchanged. */
  public static Object beforeClientHello(Object producer, Object handshakeContext) {
    SessionResumption.clientHelloStarting(handshakeContext);
    return handshakeContext;
  }

  /**
   * Called on exit of SunJSSE's client session cache lookup with the session found: returns it when it may be
   * resumed on the connection now starting, {@code null} (a full handshake) otherwise.
   */
  public static Object filterResumption(Object sessionCache, Object session) {
    SessionCaches.remember(sessionCache);
    return SessionResumption.resumable(session, enforcement);
  }

  /** Called on exit of {@code TrustManagerFactory.getTrustManagers()} with the array it returns. */
  public static Object wrapFactoryResult(Object factory, Object trustManagers) {
    return trustManagers instanceof Object[] ? wrapAll((Object[]) trustManagers, FACTORY_SOURCE) : trustManagers;
  }

  /**
   * Called on entry of {@code SSLContext.init} with the trust managers passed in. SunJSSE contexts are left
   * alone here: their {@code engineInit} hook wraps what the JDK finally chose, keeping its hostname check.
   */
  public static Object wrapInitArgument(Object context, Object trustManagers) {
    if (!(trustManagers instanceof Object[]) || enforcement == null) {
      return trustManagers;
    }
    try {
      if (context instanceof SSLContext && "SunJSSE".equals(((SSLContext) context).getProvider().getName())) {
        return trustManagers;
      }
    } catch (RuntimeException e) {
      // A provider without a name cannot be SunJSSE: wrap.
    }
    return wrapAll((Object[]) trustManagers, INIT_ARGUMENT_SOURCE);
  }

  /**
   * Called on entry of a library's check before it reuses a connection made for one host for another ({@code
   * okhttp3.CertificatePinner.check(String, List)}): returns the certificates unchanged when the agent's pins for
   * {@code host} hold over them, or refuses the reuse. A refusal only makes the library open a new connection,
   * whose handshake is checked in full, so anything unexpected refuses.
   *
   * @throws SSLPeerUnverifiedException to refuse the reuse
   */
  public static Object checkReuse(Object host, Object peerCertificates) throws SSLPeerUnverifiedException {
    PinEnforcement current = enforcement;
    if (current == null) {
      return peerCertificates;
    }
    boolean reusable;
    try {
      reusable = host instanceof String && peerCertificates instanceof List
          && current.mayReuseConnection(x509Chain((List<?>) peerCertificates), (String) host);
    } catch (Throwable e) {
      current.failed("reuse", e);
      reusable = false;
    }
    if (!reusable) {
      throw new SSLPeerUnverifiedException("PinAgent: a connection made for another host is not reused for " + host
          + ", whose pins its certificates do not satisfy; a new connection is checked instead");
    }
    return peerCertificates;
  }

  /**
   * Called before a library looks up a session to resume by peer host and port (Netty's OpenSSL cache), with the
   * new connection's session and that host: returns the host when the sessions cached under it may be resumed by
   * this connection, or {@code null}, under which none is found (a full, checked handshake). They may when the
   * connection asks for no other SNI name than that host, or when no pin-set applies to either.
   */
  public static Object filterResumptionKey(Object newSession, Object peerHost) {
    if (newSession instanceof SSLSession) {
      try {
        SessionCaches.remember(((SSLSession) newSession).getSessionContext());
      } catch (RuntimeException e) {
        // Not remembered: its sessions are not emptied at a reload, and this lookup is still checked.
        failed("resumption", e);
      }
    }
    return SessionResumption.resumableUnder(newSession, peerHost, enforcement);
  }

  /** Called on exit of BouncyCastle JSSE's {@code ProvTlsClient.getSessionToResume()} with the session chosen. */
  public static Object filterBouncyCastleResumption(Object tlsClient, Object tlsSession) {
    return SessionResumption.resumableByBouncyCastle(tlsClient, tlsSession, enforcement);
  }

  /**
   * Empties every client session cache the agent has seen, so that no session checked under a policy just
   * replaced is resumed. Called by the agent after a reload, never on a handshake's thread.
   *
   * @return how many sessions were invalidated
   */
  public static int forgetResumableSessions() {
    return SessionCaches.invalidateAll();
  }

  static void failed(String stage, Throwable error) {
    PinEnforcement current = enforcement;
    if (current != null) {
      current.failed(stage, error);
    }
  }

  private static X509Certificate[] x509Chain(List<?> certificates) {
    X509Certificate[] chain = new X509Certificate[certificates.size()];
    for (int i = 0; i < chain.length; i++) {
      chain[i] = (X509Certificate) certificates.get(i);
    }
    return chain;
  }

  /**
   * Returns {@code trustManager} wrapped with the pin check, or unchanged when it is already wrapped, is not
   * an {@link X509ExtendedTrustManager}, or the agent is not installed. Never throws.
   */
  public static Object wrap(Object trustManager, String source) {
    PinEnforcement current = enforcement;
    if (current == null
        || !(trustManager instanceof X509ExtendedTrustManager)
        || trustManager instanceof PinningTrustManager) {
      return trustManager;
    }
    try {
      X509ExtendedTrustManager delegate = (X509ExtendedTrustManager) trustManager;
      synchronized (WRAPPERS) {
        PinningTrustManager wrapper = WRAPPERS.get(delegate);
        if (wrapper == null) {
          wrapper = new PinningTrustManager(delegate, current);
          WRAPPERS.put(delegate, wrapper);
          current.wrapped(source);
        }
        return wrapper;
      }
    } catch (Throwable e) {
      current.failed("wrap:" + source, e);
      return trustManager;
    }
  }

  /**
   * Wraps each X509 trust manager of an array the way {@link #wrap} does, keeping its length, order and
   * runtime array type (OkHttp, for one, insists on exactly one {@code X509TrustManager}). The caller's array
   * is never modified: a provider may hand out its internal one. Never throws.
   */
  public static Object[] wrapAll(Object[] trustManagers, String source) {
    if (trustManagers == null || enforcement == null) {
      return trustManagers;
    }
    try {
      Object[] result = null;
      Class<?> componentType = trustManagers.getClass().getComponentType();
      for (int i = 0; i < trustManagers.length; i++) {
        Object wrapped = wrap(trustManagers[i], source);
        if (wrapped != trustManagers[i] && componentType.isInstance(wrapped)) {
          if (result == null) {
            result = (Object[]) Array.newInstance(componentType, trustManagers.length);
            System.arraycopy(trustManagers, 0, result, 0, trustManagers.length);
          }
          result[i] = wrapped;
        }
      }
      return result == null ? trustManagers : result;
    } catch (Throwable e) {
      PinEnforcement current = enforcement;
      if (current != null) {
        current.failed("wrap:" + source, e);
      }
      return trustManagers;
    }
  }
}
