package dev.pinagent.instrumentation;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import javax.net.ssl.TrustManager;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Hooks {@code javax.net.ssl.TrustManagerFactory.getTrustManagers()}. Netty's OpenSSL engine and gRPC take
 * trust managers from a factory and call them through their own engines, never through {@code
 * SSLContextImpl.engineInit}. Only {@code X509ExtendedTrustManager}s are wrapped here; a plain one is left to
 * the JDK, which adds its endpoint-identification wrapper at {@code engineInit}, where it is then wrapped.
 */
final class TrustManagerFactoryInstrumentation implements TypeInstrumentation {
  static final String TARGET = "javax.net.ssl.TrustManagerFactory";
  static final String SOURCE = "trust_manager_factory";

  @Override
  public String typeName() {
    return TARGET;
  }

  @Override
  public ElementMatcher<MethodDescription> methods(TypeDescription type) {
    return named("getTrustManagers").and(takesArguments(0));
  }

  @Override
  public Class<?> advice() {
    return GetTrustManagersAdvice.class;
  }

  static final class GetTrustManagersAdvice {
    private GetTrustManagersAdvice() {}

    @Advice.OnMethodExit(suppress = Throwable.class)
    static void exit(@Advice.Return(readOnly = false) TrustManager[] trustManagers) {
      try {
        trustManagers = (TrustManager[]) Class.forName(
                TypeInstrumentation.BRIDGE_CLASS, true, ClassLoader.getSystemClassLoader())
            .getMethod("wrapAll", Object[].class, String.class)
            .invoke(null, trustManagers, SOURCE);
      } catch (Throwable e) {
        System.err.println("[pin-agent] ERROR: could not wrap the trust managers of a TrustManagerFactory; "
            + "they are NOT pinned: " + e);
      }
    }
  }
}
