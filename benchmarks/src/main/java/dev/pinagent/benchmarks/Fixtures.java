package dev.pinagent.benchmarks;

import dev.pinagent.testing.TestPki;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/** The PKI and policies every benchmark shares: a 3-certificate chain for localhost, pinned at its issuer. */
final class Fixtures {
  final TestPki.Issued root = TestPki.ca("CN=Bench Root").build();
  final TestPki.Issued intermediate = TestPki.ca("CN=Bench Issuing CA").issuedBy(root).build();
  final TestPki.Issued leaf = TestPki.leaf("localhost").dns("localhost", "api.example.com", "*.example.com")
      .ip("127.0.0.1")
      .issuedBy(intermediate).build();

  /** What a server sends, root included: three certificates. */
  X509Certificate[] chain() {
    return TestPki.chain(leaf.certificate, intermediate.certificate, root.certificate);
  }

  X509TrustManager trustManager() throws Exception {
    TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
    factory.init(TestPki.trustStore(root.certificate));
    return (X509TrustManager) factory.getTrustManagers()[0];
  }

  /** A policy of {@code sets} pin-sets; the one for {@code host} sits in the middle of the file. */
  String policy(int sets, boolean wildcard, String host) {
    StringBuilder yaml = new StringBuilder("version: 1\npin-sets:\n");
    for (int i = 0; i < sets; i++) {
      String pattern = i == sets / 2 ? (wildcard ? "\"*." + host.substring(host.indexOf('.') + 1) + "\"" : host)
          : wildcard ? "\"*.s" + i + ".example.net\"" : "h" + i + ".example.net";
      yaml.append("  - name: set").append(i).append("\n    hosts: [").append(pattern).append("]\n    pins: [")
          .append(intermediate.pin()).append(", ").append(root.pin()).append("]\n");
    }
    return yaml.toString();
  }

  static Path write(Path file, String text) throws Exception {
    return Files.write(file, text.getBytes(StandardCharsets.UTF_8));
  }
}
