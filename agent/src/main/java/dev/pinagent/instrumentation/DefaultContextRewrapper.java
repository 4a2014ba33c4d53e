package dev.pinagent.instrumentation;

import dev.pinagent.bridge.PinEnforcement;
import dev.pinagent.bridge.TrustManagerWrapping;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.Enumeration;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSessionContext;

/**
 * Wraps the trust manager of a default {@code SSLContext} that already existed when the agent installed
 * (when attached at run time, or after another agent created it): hooks only see contexts initialized from
 * now on. Reading private JDK fields needs their packages opened to the agent, which {@link
 * Instrumentation#redefineModule} does for exactly these two packages and only when needed.
 */
public final class DefaultContextRewrapper {
  static final String SOURCE = "default_context";
  private static final String HOLDER = SslContextImplInstrumentation.TARGET + "$DefaultSSLContextHolder";

  private DefaultContextRewrapper() {}

  public static void wrapExisting(Instrumentation instrumentation, PinEnforcement events) {
    Class<?> contextImpl = null;
    Class<?> holder = null;
    for (Class<?> loaded : instrumentation.getAllLoadedClasses()) {
      if (loaded.getName().equals(SslContextImplInstrumentation.TARGET)) {
        contextImpl = loaded;
      } else if (loaded.getName().equals(HOLDER)) {
        holder = loaded;
      }
    }
    if (contextImpl == null) {
      return;
    }
    try {
      Module agent = DefaultContextRewrapper.class.getModule();
      instrumentation.redefineModule(SSLContext.class.getModule(), Set.of(), Map.of(),
          Map.of("javax.net.ssl", Set.of(agent), "sun.security.ssl", Set.of(agent)), Set.of(), Map.of());
      Field defaultContext = SSLContext.class.getDeclaredField("defaultContext");
      defaultContext.setAccessible(true);
      SSLContext context = (SSLContext) defaultContext.get(null);
      if (context != null) {
        Field spi = SSLContext.class.getDeclaredField("contextSpi");
        spi.setAccessible(true);
        rewrap(spi.get(context), contextImpl);
      }
      if (holder != null) {
        Field held = holder.getDeclaredField("sslContext");
        held.setAccessible(true);
        rewrap(held.get(null), contextImpl);
      }
    } catch (Throwable e) {
      events.failed("wrap:" + SOURCE, e);
    }
  }

  /**
   * A resumed TLS session skips the trust manager altogether, so sessions established before the agent
   * would let a man in the middle already in place stay there unchecked. Invalidating them forces one full,
   * pinned handshake per connection.
   */
  private static void forgetSessions(SSLSessionContext sessions) {
    if (sessions == null) {
      return;
    }
    for (Enumeration<byte[]> ids = sessions.getIds(); ids.hasMoreElements(); ) {
      SSLSession session = sessions.getSession(ids.nextElement());
      if (session != null) {
        session.invalidate();
      }
    }
  }

  private static void rewrap(Object contextSpi, Class<?> contextImpl) throws ReflectiveOperationException {
    if (contextSpi == null || !contextImpl.isInstance(contextSpi)) {
      return;
    }
    Field trustManager = contextImpl.getDeclaredField("trustManager");
    trustManager.setAccessible(true);
    Object current = trustManager.get(contextSpi);
    if (current != null) {
      trustManager.set(contextSpi, TrustManagerWrapping.wrap(current, SOURCE));
    }
    Method clientSessions = contextImpl.getDeclaredMethod("engineGetClientSessionContext");
    clientSessions.setAccessible(true);
    forgetSessions((SSLSessionContext) clientSessions.invoke(contextSpi));
  }
}
