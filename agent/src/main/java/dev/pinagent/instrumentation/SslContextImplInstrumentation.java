package dev.pinagent.instrumentation;

/**
 * Hooks {@code sun.security.ssl.SSLContextImpl.engineInit(KeyManager[], TrustManager[], SecureRandom)}, the one
 * place every SunJSSE context passes through: {@code init(custom)}, {@code init(null)} and the default context
 * ({@code SSLContext.getDefault()}, which never calls {@code SSLContext.init}). On exit it wraps the trust
 * manager the JDK has <em>chosen</em> (the private field {@code trustManager}), which for a plain {@code
 * X509TrustManager} is already the JDK's own wrapper adding endpoint identification: wrapping one level
 * earlier would silently drop the hostname check. In Java:
 *
 * <pre>{@code
 * this.trustManager = (X509TrustManager) TrustManagerWrapping.wrapChosen(this, this.trustManager);
 * }</pre>
 */
final class SslContextImplInstrumentation {
  static final String TARGET = "sun.security.ssl.SSLContextImpl";

  static final MethodHook HOOK = MethodHook.onExitReplaceField(TARGET, "engineInit",
      "([Ljavax/net/ssl/KeyManager;[Ljavax/net/ssl/TrustManager;Ljava/security/SecureRandom;)V",
      "trustManager", "Ljavax/net/ssl/X509TrustManager;", "wrapChosen",
      "[pin-agent] ERROR: could not wrap the trust manager of an SSLContext; its connections are NOT pinned: ");

  private SslContextImplInstrumentation() {}
}
