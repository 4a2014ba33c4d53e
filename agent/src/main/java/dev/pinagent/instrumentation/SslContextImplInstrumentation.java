package dev.pinagent.instrumentation;

/**
 * Hooks {@code sun.security.ssl.SSLContextImpl}, which every SunJSSE context is, at the two places its trust
 * manager passes through:
 *
 * <ul>
 *   <li>{@code chooseTrustManager(TrustManager[])}, where {@code engineInit} picks the manager it stores. On exit
 *       the manager the JDK <em>chose</em> is wrapped, which for a plain {@code X509TrustManager} is already the
 *       JDK's own wrapper adding endpoint identification: wrapping one level earlier would silently drop the
 *       hostname check. Hooking the choice rather than the end of {@code engineInit} means the context's field
 *       only ever holds the wrapper: a context re-initialized while other threads handshake on it never shows
 *       them the unwrapped manager. In Java: {@code return (X509TrustManager) wrapChosen(this, chosen);}
 *   <li>{@code getX509TrustManager()}, where every handshake asks the context for its manager. On exit anything
 *       not yet wrapped is wrapped: contexts that existed before the agent's hooks (built by an agent loaded
 *       earlier, or before a dynamic attach) are pinned from their next handshake on. For contexts built
 *       afterwards the manager is already the wrapper and passes through. In Java: {@code return
 *       (X509TrustManager) wrapInUse(this, manager);}
 * </ul>
 */
final class SslContextImplInstrumentation {
  static final String TARGET = "sun.security.ssl.SSLContextImpl";

  static final MethodHook CHOICE = MethodHook.onExitReplaceReturnValue(TARGET, "chooseTrustManager",
      "([Ljavax/net/ssl/TrustManager;)Ljavax/net/ssl/X509TrustManager;", "wrapChosen",
      "[pin-agent] ERROR: could not wrap the trust manager of an SSLContext; its connections are NOT pinned: ");

  static final MethodHook USE = MethodHook.onExitReplaceReturnValue(TARGET, "getX509TrustManager",
      "()Ljavax/net/ssl/X509TrustManager;", "wrapInUse",
      "[pin-agent] ERROR: could not wrap the trust manager of an SSLContext in use; its connections are NOT pinned: ");

  private SslContextImplInstrumentation() {}
}
