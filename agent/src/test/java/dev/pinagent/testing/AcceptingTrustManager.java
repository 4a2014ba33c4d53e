package dev.pinagent.testing;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A trust manager that accepts every chain on every overload and names no issuers, as a trust-all one does; tests
 * override the checks they observe. The server checks declare {@link CertificateException} so that an override
 * may refuse.
 */
public class AcceptingTrustManager extends X509ExtendedTrustManager {
  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {}

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {}

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {}

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {}

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {}

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {}

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }
}
