package dev.pinagent.instrumentation;

/**
 * Hooks SunJSSE's choice of a client session to resume. Its cache is keyed by peer host and port only, so
 * without this a session checked for one SNI name would be resumed on a connection to the same address for
 * another name, with no certificate and no pin check.
 *
 * <ul>
 *   <li>On entry of {@code ClientHello$ClientHelloKickstartProducer.produce(ConnectionContext)}, the start of
 *       every client handshake, the handshake's context is handed to the bridge (and returned unchanged), which
 *       remembers it for this thread: the lookup below happens synchronously inside this very call.
 *   <li>On exit of {@code SSLSessionContextImpl.get(String, int)}, the cache lookup that method makes, the
 *       session found is replaced by {@code null} (a full, pinned handshake) unless the bridge finds it was
 *       checked by the agent under the policy in force, for the SNI name this connection asks for.
 * </ul>
 */
final class SessionResumptionInstrumentation {
  static final String CLIENT_HELLO_TARGET = "sun.security.ssl.ClientHello$ClientHelloKickstartProducer";
  static final String SESSION_CACHE_TARGET = "sun.security.ssl.SSLSessionContextImpl";

  static final MethodHook CLIENT_HELLO = MethodHook.onEntryReplaceArgument(CLIENT_HELLO_TARGET, "produce",
      "(Lsun/security/ssl/ConnectionContext;)[B", 0, "beforeClientHello",
      "[pin-agent] ERROR: could not see a client handshake start; cached TLS sessions will not be resumed: ");

  static final MethodHook SESSION_LOOKUP = MethodHook.onExitReplaceReturnValue(SESSION_CACHE_TARGET, "get",
      "(Ljava/lang/String;I)Lsun/security/ssl/SSLSessionImpl;", "filterResumption",
      "[pin-agent] ERROR: could not check a cached TLS session before its resumption; it may be resumed for "
          + "another name: ");

  private SessionResumptionInstrumentation() {}
}
