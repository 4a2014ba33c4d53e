package dev.pinagent.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.testing.TestPki;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The two JDK facts the hostname rule needs, read from the JDK's own files as the JDK reads them. */
class PublicSuffixesTest {
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(nullValues = "none", value = {
      "z.com, com",                 // a top-level domain is an ICANN suffix
      "z.co.uk, co.uk",             // the rule with the most labels wins
      "z.example.co.uk, co.uk",
      "z.blogspot.com, none",       // the longest rule is a private one: the JDK's check skips it
      "z.foo.ck, foo.ck",           // *.ck: a wildcard rule covers one more label
      "z.www.ck, ck",               // !www.ck: an exception wins over the wildcard
      "z.no-such-tld-here, none",   // not on the list at all
      "com, none"})                 // the suffix itself has no registered domain
  void findsTheIcannSuffixTheJdkWouldFind(String domain, String suffix) {
    assertThat(PublicSuffixes.icannSuffixOf(domain)).isEqualTo(suffix);
  }

  @Test
  void countsAsTheJdksOwnRootsOnlyCacertsEntriesItLabelsSo(@TempDir Path directory) throws Exception {
    X509Certificate jdkRoot = TestPki.ca("CN=Shipped Root").build().certificate;
    X509Certificate addedRoot = TestPki.ca("CN=Added Root").build().certificate;
    KeyStore store = KeyStore.getInstance("JKS");
    store.load(null, null);
    store.setCertificateEntry("shippedroot [jdk]", jdkRoot);
    store.setCertificateEntry("addedroot", addedRoot);
    Path cacerts = directory.resolve("cacerts");
    try (var out = Files.newOutputStream(cacerts)) {
      store.store(out, "changeit".toCharArray());
    }

    Set<ByteBuffer> fingerprints = JdkCaCertificates.load(cacerts);

    assertThat(JdkCaCertificates.contains(fingerprints, jdkRoot)).isTrue();
    assertThat(JdkCaCertificates.contains(fingerprints, addedRoot)).isFalse();
    assertThat(JdkCaCertificates.load(directory.resolve("missing"))).isEmpty();
  }
}
