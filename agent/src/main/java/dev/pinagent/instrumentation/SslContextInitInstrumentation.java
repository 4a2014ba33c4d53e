package dev.pinagent.instrumentation;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Hooks {@code javax.net.ssl.SSLContext.init(KeyManager[], TrustManager[], SecureRandom)} for providers other
 * than SunJSSE (the BouncyCastle JSSE provider of FIPS set-ups, for one), which never pass through {@code
 * SSLContextImpl}. The entry advice wraps each {@code X509ExtendedTrustManager} the application hands in;
 * trust managers the provider takes from a {@code TrustManagerFactory} are wrapped by that hook. SunJSSE
 * contexts are left to the {@code engineInit} hook, which sees the manager the JDK finally chose.
 */
final class SslContextInitInstrumentation implements TypeInstrumentation {
  static final String TARGET = "javax.net.ssl.SSLContext";
  static final String SOURCE = "ssl_context_init";

  @Override
  public String typeName() {
    return TARGET;
  }

  @Override
  public ElementMatcher<MethodDescription> methods(TypeDescription type) {
    return named("init").and(takesArguments(3));
  }

  @Override
  public Class<?> advice() {
    return InitAdvice.class;
  }

  static final class InitAdvice {
    private InitAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    static void enter(@Advice.This SSLContext context,
        @Advice.Argument(value = 1, readOnly = false) TrustManager[] trustManagers) {
      if (trustManagers == null || "SunJSSE".equals(context.getProvider().getName())) {
        return;
      }
      try {
        trustManagers = (TrustManager[]) Class.forName(
                TypeInstrumentation.BRIDGE_CLASS, true, ClassLoader.getSystemClassLoader())
            .getMethod("wrapAll", Object[].class, String.class)
            .invoke(null, trustManagers, SOURCE);
      } catch (Throwable e) {
        System.err.println("[pin-agent] ERROR: could not wrap the trust managers passed to SSLContext.init; "
            + "they are NOT pinned: " + e);
      }
    }
  }
}
