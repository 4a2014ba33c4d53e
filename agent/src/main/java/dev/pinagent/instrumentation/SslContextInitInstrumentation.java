package dev.pinagent.instrumentation;

/**
 * Hooks {@code javax.net.ssl.SSLContext.init(KeyManager[], TrustManager[], SecureRandom)} for providers other
 * than SunJSSE (the BouncyCastle JSSE provider of FIPS set-ups, for one), which never pass through {@code
 * SSLContextImpl}. On entry it wraps each {@code X509ExtendedTrustManager} the application hands in; trust
 * managers the provider takes from a {@code TrustManagerFactory} are wrapped by that hook. SunJSSE contexts are
 * left to the {@code engineInit} hook, which sees the manager the JDK finally chose. In Java:
 *
 * <pre>{@code
 * trustManagers = (TrustManager[]) TrustManagerWrapping.wrapInitArgument(this, trustManagers);
 * }</pre>
 */
final class SslContextInitInstrumentation {
  static final String TARGET = "javax.net.ssl.SSLContext";

  static final MethodHook HOOK = MethodHook.onEntryReplaceArgument(TARGET, "init",
      "([Ljavax/net/ssl/KeyManager;[Ljavax/net/ssl/TrustManager;Ljava/security/SecureRandom;)V", 1,
      "wrapInitArgument",
      "[pin-agent] ERROR: could not wrap the trust managers passed to SSLContext.init; they are NOT pinned: ");

  private SslContextInitInstrumentation() {}
}
