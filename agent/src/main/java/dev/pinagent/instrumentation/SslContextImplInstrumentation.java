package dev.pinagent.instrumentation;

import static net.bytebuddy.matcher.ElementMatchers.isDeclaredBy;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import javax.net.ssl.X509TrustManager;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Hooks {@code sun.security.ssl.SSLContextImpl.engineInit(KeyManager[], TrustManager[], SecureRandom)}, the one
 * place every SunJSSE context passes through: {@code init(custom)}, {@code init(null)} and the default context
 * ({@code SSLContext.getDefault()}, which never calls {@code SSLContext.init}). The exit advice wraps the trust
 * manager the JDK has <em>chosen</em> (the private field {@code trustManager}), which for a plain {@code
 * X509TrustManager} is already the JDK's own wrapper adding endpoint identification: wrapping one level
 * earlier would silently drop the hostname check.
 */
final class SslContextImplInstrumentation implements TypeInstrumentation {
  static final String TARGET = "sun.security.ssl.SSLContextImpl";
  static final String SOURCE = "ssl_context";

  @Override
  public String typeName() {
    return TARGET;
  }

  @Override
  public ElementMatcher<net.bytebuddy.description.method.MethodDescription> methods(TypeDescription type) {
    return named("engineInit").and(takesArguments(3)).and(isDeclaredBy(type));
  }

  @Override
  public Class<?> advice() {
    return EngineInitAdvice.class;
  }

  static final class EngineInitAdvice {
    private EngineInitAdvice() {}

    @Advice.OnMethodExit(suppress = Throwable.class)
    static void exit(@Advice.FieldValue(value = "trustManager", readOnly = false) X509TrustManager trustManager) {
      try {
        trustManager = (X509TrustManager) Class.forName(
                TypeInstrumentation.BRIDGE_CLASS, true, ClassLoader.getSystemClassLoader())
            .getMethod("wrap", Object.class, String.class)
            .invoke(null, trustManager, SOURCE);
      } catch (Throwable e) {
        System.err.println("[pin-agent] ERROR: could not wrap the trust manager of an SSLContext; "
            + "its connections are NOT pinned: " + e);
      }
    }
  }
}
