package dev.pinagent.instrumentation;

/**
 * Hooks Netty's OpenSSL client session cache, in whatever class loader the application has Netty, and gRPC's
 * relocated copy of it. The cache is keyed by the peer host and port the handler was created with; a client that
 * keeps one {@code SslContext}, creates handlers for a gateway's address and sets SNI per connection would resume
 * a session checked for one name on a connection for another, with no trust-manager call. On entry of {@code
 * OpenSslSessionContext.setSessionFromCache(long ssl, OpenSslInternalSession session, String host, int port)} the
 * bridge sees the new connection's session (which knows the SNI names it will send) and the host; it hands back
 * the host when resumption is safe, or {@code null}, which finds no cached session: a full, checked handshake.
 * In Java:
 *
 * <pre>{@code
 * host = (String) TrustManagerWrapping.filterResumptionKey(session, host);
 * }</pre>
 *
 * <p>A Netty whose method has another shape (older than 4.1.100 or so) fails this hook loudly at class load
 * (logged, counted in {@code tls_pin_agent_errors_total}); the trust manager is still pinned there.
 */
final class NettyInstrumentation {
  static final MethodHook SESSION_CACHE = sessionCacheHook("io.netty");

  /** grpc-netty-shaded relocates Netty under its own package, with the same cache. */
  static final MethodHook GRPC_SESSION_CACHE = sessionCacheHook("io.grpc.netty.shaded.io.netty");

  private NettyInstrumentation() {}

  private static MethodHook sessionCacheHook(String nettyPackage) {
    return MethodHook.onEntryReplaceArgument(nettyPackage + ".handler.ssl.OpenSslSessionContext",
        "setSessionFromCache", "(JL" + nettyPackage.replace('.', '/') + "/handler/ssl/OpenSslInternalSession;"
            + "Ljava/lang/String;I)Z", 2, "filterResumptionKey",
        "[pin-agent] ERROR: could not check a cached Netty TLS session before its resumption; it may be resumed "
            + "for another name: ")
        .withOwnerArgument(1);
  }
}
