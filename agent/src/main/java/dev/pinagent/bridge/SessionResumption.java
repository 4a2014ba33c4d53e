package dev.pinagent.bridge;

import java.lang.reflect.Field;
import java.util.List;
import java.util.Objects;
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

  /** Marks a session whose full handshake the agent has just checked. */
  static void recordChecked(SSLSession handshakeSession, PinEnforcement enforcement) {
    if (handshakeSession == null) {
      return;
    }
    try {
      handshakeSession.putValue(CHECKED_UNDER, enforcement.policyStamp());
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
      if (cached.getValue(CHECKED_UNDER) != enforcement.policyStamp()) {
        return null;
      }
      String checkedName = hostName(cached.getRequestedServerNames());
      String requestedName = hostName(SunJsseHandshake.requestedServerNames(handshakeContext));
      if (Objects.equals(checkedName, requestedName)
          || enforcement.mayResumeAcrossNames(checkedName, requestedName, cached.getPeerHost())) {
        return session;
      }
      return null;
    } catch (Throwable e) {
      enforcement.failed("resumption", e);
      return null;
    }
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
