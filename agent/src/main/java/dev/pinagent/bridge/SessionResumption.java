package dev.pinagent.bridge;

import java.lang.reflect.Field;
import java.util.List;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLSession;

/**
 * Decides whether a cached client session may be resumed. A resumed session skips the server's certificate,
 * the trust manager and so the pin check; SunJSSE finds the session to resume by peer host and port alone. So a
 * session is resumed only when the agent checked it (its stamp is the policy's now in force) for the SNI name
 * the new connection asks for, or when no pin-set applies to either name. Anything unexpected means a full
 * handshake, which is always safe.
 *
 * <p>The new connection's SNI name is read from SunJSSE's handshake context, handed over by the hook at the
 * start of the client handshake; the cache lookup follows synchronously on the same thread, which is why a
 * thread-local is sound here.
 */
final class SessionResumption {
  /** The session value under which the agent records the stamp of the policy a full handshake was checked by. */
  static final String CHECKED_UNDER = "dev.pinagent.checked-under";

  private static final ThreadLocal<Object> STARTING_HANDSHAKE = new ThreadLocal<>();

  private SessionResumption() {}

  static void clientHelloStarting(Object handshakeContext) {
    STARTING_HANDSHAKE.set(handshakeContext);
  }

  /** What a session was checked for: the policy in force and the SNI name the handshake sent. */
  static final class Checked {
    final Object policyStamp;
    final String serverName;

    Checked(Object policyStamp, String serverName) {
      this.policyStamp = policyStamp;
      this.serverName = serverName;
    }

    /** Whether a connection asking for {@code requestedName} may resume the session, under {@code enforcement}. */
    boolean permits(String requestedName, String peerHost, PinEnforcement enforcement) {
      return policyStamp == enforcement.policyStamp()
          && (sameName(serverName, requestedName)
              || enforcement.mayResumeAcrossNames(serverName, requestedName, peerHost));
    }

    @Override
    public String toString() {
      return "checked by PinAgent for " + (serverName == null ? "no SNI name" : serverName);
    }
  }

  private static boolean sameName(String one, String other) {
    return one == null ? other == null : one.equalsIgnoreCase(other);
  }

  /**
   * Marks a session whose full handshake the agent has just checked, with the SNI name it was checked for.
   * Providers copy a session's values to the sessions resumed from it, so the mark travels with them.
   */
  static void recordChecked(SSLSession handshakeSession, String serverName, PinEnforcement enforcement) {
    if (handshakeSession == null) {
      return;
    }
    try {
      handshakeSession.putValue(CHECKED_UNDER, new Checked(enforcement.policyStamp(), serverName));
    } catch (RuntimeException e) {
      // The handshake passed its checks; a session that cannot carry the stamp is only never resumed.
      enforcement.failed("resumption", e);
    }
  }

  /** {@code session} when it may be resumed by the handshake starting on this thread, else {@code null}. */
  static Object resumable(Object session, PinEnforcement enforcement) {
    Object handshakeContext = STARTING_HANDSHAKE.get();
    STARTING_HANDSHAKE.set(null);
    if (session == null || enforcement == null) {
      return session;
    }
    try {
      if (!(session instanceof ExtendedSSLSession) || handshakeContext == null) {
        return null;
      }
      ExtendedSSLSession cached = (ExtendedSSLSession) session;
      Object checked = cached.getValue(CHECKED_UNDER);
      String requestedName = hostName(SunJsseHandshake.requestedServerNames(handshakeContext));
      return checked instanceof Checked && ((Checked) checked).permits(requestedName, cached.getPeerHost(), enforcement)
          ? session : null;
    } catch (Throwable e) {
      enforcement.failed("resumption", e);
      return null;
    }
  }

  /**
   * For a cache keyed by peer host alone, whose sessions the agent cannot see before one is picked: {@code
   * peerHost} when any session under it may be resumed by a connection asking for the SNI names of {@code
   * newSession}, else {@code null}. Every session under that key was checked for that peer host; so resumption
   * is safe when the connection asks for no other name, or when no pin-set applies to the name it asks for nor to
   * the host.
   */
  static Object resumableUnder(Object newSession, Object peerHost, PinEnforcement enforcement) {
    if (enforcement == null || peerHost == null) {
      return peerHost;
    }
    try {
      String host = (String) peerHost;
      String requestedName = newSession instanceof ExtendedSSLSession
          ? hostName(((ExtendedSSLSession) newSession).getRequestedServerNames()) : null;
      if (requestedName == null || requestedName.equalsIgnoreCase(host)
          || enforcement.mayResumeAcrossNames(host, requestedName, host)) {
        return peerHost;
      }
      return null;
    } catch (Throwable e) {
      enforcement.failed("resumption", e);
      return null;
    }
  }

  /**
   * For BouncyCastle JSSE: {@code ProvTlsClient.getSessionToResume()} has picked {@code tlsSession} (its cache is
   * keyed by peer host and port) and remembered the session it belongs to. Returns it when that session may be
   * resumed for the SNI names this client will send; otherwise forgets the choice and returns {@code null}, and
   * the client makes a full handshake. Read through reflection: BouncyCastle is the application's, in its class
   * loader.
   */
  static Object resumableByBouncyCastle(Object tlsClient, Object tlsSession, PinEnforcement enforcement) {
    if (tlsSession == null || enforcement == null) {
      return tlsSession;
    }
    try {
      Field chosenField = declaredField(tlsClient.getClass(), "sslSession");
      Object chosen = chosenField.get(tlsClient);
      Object checked = chosen == null ? null : method(chosen.getClass(), "getValue", String.class)
          .invoke(chosen, CHECKED_UNDER);
      Object parameters = declaredField(tlsClient.getClass(), "sslParameters").get(tlsClient);
      String requestedName = null;
      for (Object name : (List<?>) method(parameters.getClass(), "getServerNames").invoke(parameters)) {
        if (name != null && name.getClass().getSimpleName().equals("BCSNIHostName")) {
          requestedName = (String) name.getClass().getMethod("getAsciiName").invoke(name);
          break;
        }
      }
      String peerHost = (String) method(chosen.getClass(), "getPeerHost").invoke(chosen);
      if (checked instanceof Checked && ((Checked) checked).permits(requestedName, peerHost, enforcement)) {
        return tlsSession;
      }
      chosenField.set(tlsClient, null);
      return null;
    } catch (Throwable e) {
      enforcement.failed("resumption", e);
      return null;
    }
  }

  private static Field declaredField(Class<?> type, String name) throws NoSuchFieldException {
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      try {
        Field field = c.getDeclaredField(name);
        field.setAccessible(true);
        return field;
      } catch (NoSuchFieldException e) {
        // Declared further up.
      }
    }
    throw new NoSuchFieldException(type.getName() + "." + name);
  }

  private static java.lang.reflect.Method method(Class<?> type, String name, Class<?>... parameters)
      throws NoSuchMethodException {
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      try {
        java.lang.reflect.Method method = c.getDeclaredMethod(name, parameters);
        method.setAccessible(true);
        return method;
      } catch (NoSuchMethodException e) {
        // Declared further up.
      }
    }
    throw new NoSuchMethodException(type.getName() + "." + name);
  }

  private static String hostName(List<SNIServerName> names) {
    if (names != null) {
      for (SNIServerName name : names) {
        if (name instanceof SNIHostName) {
          return ((SNIHostName) name).getAsciiName();
        }
      }
    }
    return null;
  }

  /**
   * Reads SunJSSE's client handshake state: {@code HandshakeContext.conContext.sslConfig.serverNames}, the SNI
   * names this connection will send. The fields are looked up once; the package is opened to the agent at start.
   */
  static final class SunJsseHandshake {
    private static final Field CONNECTION;
    private static final Field CONFIGURATION;
    private static final Field SERVER_NAMES;

    static {
      try {
        CONNECTION = accessible("sun.security.ssl.HandshakeContext", "conContext");
        CONFIGURATION = accessible("sun.security.ssl.TransportContext", "sslConfig");
        SERVER_NAMES = accessible("sun.security.ssl.SSLConfiguration", "serverNames");
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("this JDK's SunJSSE is not shaped as the agent expects", e);
      }
    }

    private SunJsseHandshake() {}

    private static Field accessible(String type, String field) throws ReflectiveOperationException {
      Field found = Class.forName(type, false, null).getDeclaredField(field);
      found.setAccessible(true);
      return found;
    }

    @SuppressWarnings("unchecked")
    static List<SNIServerName> requestedServerNames(Object handshakeContext) throws IllegalAccessException {
      Object configuration = CONFIGURATION.get(CONNECTION.get(handshakeContext));
      return (List<SNIServerName>) SERVER_NAMES.get(configuration);
    }
  }
}
