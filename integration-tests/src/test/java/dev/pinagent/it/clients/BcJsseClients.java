package dev.pinagent.it.clients;

import java.security.Provider;
import java.security.SecureRandom;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

/**
 * The BouncyCastle JSSE provider (bctls), as FIPS set-ups use it: an {@code SSLContext} that never passes
 * through SunJSSE's internals. bctls needs bcprov and bcutil at its own version, so this client runs with
 * those jars only and loads the provider by name (the test class path carries another bcprov).
 */
final class BcJsseClients {
  private BcJsseClients() {}

  /** A BCJSSE context trusting {@code trustManager}, or its provider's defaults when that is null. */
  static SSLContext context(TrustManager trustManager) throws Exception {
    Provider provider = (Provider) Class.forName("org.bouncycastle.jsse.provider.BouncyCastleJsseProvider")
        .getConstructor().newInstance();
    SSLContext context = SSLContext.getInstance("TLS", provider);
    // bctls has no DEFAULT SecureRandom of its own without the BC provider registered; hand it the JDK's.
    context.init(null, trustManager == null ? null : new TrustManager[] {trustManager}, new SecureRandom());
    return context;
  }
}
