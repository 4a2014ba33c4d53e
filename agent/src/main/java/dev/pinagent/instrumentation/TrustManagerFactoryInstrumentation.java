package dev.pinagent.instrumentation;

/**
 * Hooks {@code javax.net.ssl.TrustManagerFactory.getTrustManagers()}. Netty's OpenSSL engine and gRPC take
 * trust managers from a factory and call them through their own engines, never through {@code
 * SSLContextImpl.engineInit}. Only {@code X509ExtendedTrustManager}s are wrapped here; a plain one is left to
 * the JDK, which adds its endpoint-identification wrapper at {@code engineInit}, where it is then wrapped. In
 * Java, at every return:
 *
 * <pre>{@code
 * return (TrustManager[]) TrustManagerWrapping.wrapFactoryResult(this, result);
 * }</pre>
 */
final class TrustManagerFactoryInstrumentation {
  static final String TARGET = "javax.net.ssl.TrustManagerFactory";

  static final MethodHook HOOK = MethodHook.onExitReplaceReturnValue(TARGET, "getTrustManagers",
      "()[Ljavax/net/ssl/TrustManager;", "wrapFactoryResult",
      "[pin-agent] ERROR: could not wrap the trust managers of a TrustManagerFactory; they are NOT pinned: ");

  private TrustManagerFactoryInstrumentation() {}
}
