package dev.pinagent.bridge;

import java.lang.reflect.Array;
import javax.net.ssl.SSLContext;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The entry point the hooks call (reflectively; see the package doc) to wrap trust managers. It holds the only
 * static state of the agent, because code woven into the JDK can reach nothing else.
 *
 * <p>Wrapping is idempotent: an already wrapped manager is returned as it is, and the same delegate always
 * gets the same wrapper, so a factory asked a thousand times does not count a thousand wrappers.
 */
public final class TrustManagerWrapping {
  private static volatile PinEnforcement enforcement;

  private static final WrapperCache WRAPPERS = new WrapperCache();

  private TrustManagerWrapping() {}

  /** The tag value of {@code tls.pin.trust.managers.wrapped} for each hook. */
  static final String CHOSEN_SOURCE = "ssl_context";
  static final String IN_USE_SOURCE = "ssl_context_in_use";
  static final String FACTORY_SOURCE = "trust_manager_factory";
  static final String INIT_ARGUMENT_SOURCE = "ssl_context_init";

  /** Makes wrapping live; before this, {@link #wrap} returns its argument unchanged. */
  public static void install(PinEnforcement newEnforcement) {
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
