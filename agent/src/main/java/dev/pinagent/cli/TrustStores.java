package dev.pinagent.cli;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/** The trust manager a command judges chains with: the JVM's default one, or one over {@code --truststore}. */
final class TrustStores {
  private TrustStores() {}

  static X509TrustManager load(String path, String password) throws Exception {
    KeyStore store = null;
    if (path != null) {
      store = KeyStores.load(Path.of(path), password);
    }
    TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(store);
    for (TrustManager manager : factory.getTrustManagers()) {
      if (manager instanceof X509TrustManager) {
        return (X509TrustManager) manager;
      }
    }
    throw new IllegalStateException("no X509 trust manager for " + (path == null ? "the JVM's trust store" : path));
  }

  /** Key and trust stores by file name: {@code .jks} is JKS, anything else PKCS#12. */
  static final class KeyStores {
    private KeyStores() {}

    static KeyStore load(Path file, String password) throws Exception {
      String name = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
      KeyStore store = KeyStore.getInstance(name.endsWith(".jks") ? "JKS" : "PKCS12");
      try (InputStream in = Files.newInputStream(file)) {
        store.load(in, password == null ? null : password.toCharArray());
      }
      return store;
    }

    static boolean looksLikeKeyStore(Path file) {
      String name = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
      return name.endsWith(".p12") || name.endsWith(".pfx") || name.endsWith(".jks") || name.endsWith(".keystore");
    }
  }
}
