package dev.pinagent.instrumentation;

/**
 * Hooks BouncyCastle JSSE's choice of a client session to resume, in whatever class loader the application has
 * it. Its cache ({@code ProvSSLSessionContext}) is keyed by peer host and port and ignores SNI, like SunJSSE's. On
 * exit of {@code ProvTlsClient.getSessionToResume()} the bridge keeps the session only when the agent checked it
 * for the SNI name this connection sends; otherwise the client makes a full, checked handshake. In Java:
 *
 * <pre>{@code
 * return (TlsSession) TrustManagerWrapping.filterBouncyCastleResumption(this, session);
 * }</pre>
 *
 * <p>The names of BouncyCastle's classes are assembled at run time: the agent shades its own BouncyCastle (for
 * signed policies) and the shade plugin rewrites every string constant that starts with {@code org.bouncycastle},
 * which would point this hook at the agent's relocated copy and leave the application's BouncyCastle unhooked.
 * {@code SessionReuseIT}'s BouncyCastle cases fail when that happens.
 */
final class BouncyCastleJsseInstrumentation {
  private static final String PACKAGE = String.join(".", "org", "bouncycastle");

  static final MethodHook SESSION_TO_RESUME = MethodHook.onExitReplaceReturnValue(
      PACKAGE + ".jsse.provider.ProvTlsClient", "getSessionToResume",
      "()L" + PACKAGE.replace('.', '/') + "/tls/TlsSession;",
      "filterBouncyCastleResumption",
      "[pin-agent] ERROR: could not check a cached BouncyCastle TLS session before its resumption; it may be resumed "
          + "for another name: ");

  private BouncyCastleJsseInstrumentation() {}
}
