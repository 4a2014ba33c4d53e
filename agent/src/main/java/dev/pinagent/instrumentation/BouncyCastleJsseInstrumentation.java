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
 */
final class BouncyCastleJsseInstrumentation {
  static final MethodHook SESSION_TO_RESUME = MethodHook.onExitReplaceReturnValue(
      "org.bouncycastle.jsse.provider.ProvTlsClient", "getSessionToResume", "()Lorg/bouncycastle/tls/TlsSession;",
      "filterBouncyCastleResumption",
      "[pin-agent] ERROR: could not check a cached BouncyCastle TLS session before its resumption; it may be resumed "
          + "for another name: ");

  private BouncyCastleJsseInstrumentation() {}
}
