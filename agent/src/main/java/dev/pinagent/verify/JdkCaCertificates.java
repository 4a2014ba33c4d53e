package dev.pinagent.verify;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.Set;

/**
 * Whether a trust anchor is one of the roots the JDK ships ({@code sun.security.util.AnchorCertificates}, not
 * exported): the JDK's hostname check applies the public suffix rule only to chains that end at one, so the
 * agent asks the same question the same way. The JDK's roots are the entries of {@code lib/security/cacerts}
 * whose alias carries {@code " [jdk"}; a distribution that replaces that file with the operating system's store
 * (Debian's, for one) has none, and then the JDK never applies the rule either. Loaded on first use, which is
 * only for a wildcard certificate.
 */
final class JdkCaCertificates {
  private JdkCaCertificates() {}

  private static final class Loaded {
    static final Set<ByteBuffer> FINGERPRINTS = load(Paths.get(System.getProperty("java.home"), "lib", "security",
        "cacerts"));
  }

  static boolean contains(X509Certificate certificate) {
    return contains(Loaded.FINGERPRINTS, certificate);
  }

  static boolean contains(Set<ByteBuffer> fingerprints, X509Certificate certificate) {
    if (fingerprints.isEmpty()) {
      return false;
    }
    try {
      return fingerprints.contains(fingerprint(certificate));
    } catch (Exception e) {
      return false;
    }
  }

  /** The SHA-256 fingerprints of the JDK-labelled entries of a cacerts file; empty when it cannot be read. */
  static Set<ByteBuffer> load(Path cacerts) {
    Set<ByteBuffer> fingerprints = new HashSet<>();
    try (InputStream in = Files.newInputStream(cacerts)) {
      // As the JDK opens it: "JKS" also reads PKCS#12 files (keystore.type.compat), no password needed to read.
      KeyStore store = KeyStore.getInstance("JKS");
      store.load(in, null);
      for (Enumeration<String> aliases = store.aliases(); aliases.hasMoreElements(); ) {
        String alias = aliases.nextElement();
        Certificate certificate = store.getCertificate(alias);
        if (alias.contains(" [jdk") && certificate instanceof X509Certificate) {
          fingerprints.add(fingerprint((X509Certificate) certificate));
        }
      }
    } catch (Exception e) {
      // Unreadable: as in the JDK, no anchor counts as public.
      return Collections.emptySet();
    }
    return Collections.unmodifiableSet(fingerprints);
  }

  private static ByteBuffer fingerprint(X509Certificate certificate) throws Exception {
    return ByteBuffer.wrap(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
  }
}
