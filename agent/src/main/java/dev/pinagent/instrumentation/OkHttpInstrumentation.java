package dev.pinagent.instrumentation;

/**
 * Hooks OkHttp's {@code CertificatePinner.check(String, List<Certificate>)} (OkHttp 4 and 5), in whatever class
 * loader the application has OkHttp. OkHttp reuses an HTTP/2 connection for another host that resolves to the
 * same address when the connection's certificate covers it ("connection coalescing"); no handshake, and so no
 * trust manager and no pin check, happens for that host. Before coalescing, {@code RealConnection.isEligible}
 * asks the application's {@code CertificatePinner} with the new host and the connection's certificates, and takes
 * {@code SSLPeerUnverifiedException} as "not eligible: open a new connection". On entry the agent's own pins for
 * that host are checked over those certificates too; when they do not hold, the bridge throws that exception, and
 * the new connection's full handshake is then checked (and refused) as any other. In Java:
 *
 * <pre>{@code
 * peerCertificates = (List) TrustManagerWrapping.checkReuse(hostname, peerCertificates); // may refuse
 * }</pre>
 *
 * <p>An application calling {@code CertificatePinner.check} itself gets the agent's pins on top of its own, which
 * only ever refuses more. A relocated copy of OkHttp (shaded inside another library) is not reached.
 */
final class OkHttpInstrumentation {
  static final String TARGET = "okhttp3.CertificatePinner";

  static final MethodHook COALESCING = MethodHook.onEntryReplaceArgument(TARGET, "check",
      "(Ljava/lang/String;Ljava/util/List;)V", 1, "checkReuse",
      "[pin-agent] ERROR: could not check an OkHttp connection before its reuse for another host: ")
      .withOwnerArgument(0)
      .refusingWith("javax/net/ssl/SSLPeerUnverifiedException");

  private OkHttpInstrumentation() {}
}
