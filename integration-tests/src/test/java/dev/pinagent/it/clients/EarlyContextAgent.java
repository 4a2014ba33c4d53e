package dev.pinagent.it.clients;

import java.lang.instrument.Instrumentation;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;

/**
 * Another agent, listed before PinAgent, that builds an {@code SSLContext} in its {@code premain} and makes it
 * the default for every {@code HttpsURLConnection}, as monitoring and security agents do: a context that exists
 * before PinAgent's hooks.
 */
public final class EarlyContextAgent {
  private EarlyContextAgent() {}

  public static void premain(String args, Instrumentation instrumentation) throws Exception {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, null, null);
    HttpsURLConnection.setDefaultSSLSocketFactory(context.getSocketFactory());
    System.err.println("[early-agent] HttpsURLConnection now uses a context built before PinAgent");
  }
}
