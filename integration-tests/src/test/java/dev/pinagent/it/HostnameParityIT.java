package dev.pinagent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.it.clients.HostnameParity;
import dev.pinagent.it.support.ForkedJvm;
import dev.pinagent.it.support.JavaRuntimes;
import dev.pinagent.testing.TestPki;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The agent decides whether a leaf names the host exactly as the JDK it runs on does (issue 11, item 9): every
 * presented name below against every host, as a DNS name, as the only common name and as an IP address, with
 * and without a JDK root at the end of the chain, compared with the JDK's own {@code HostnameChecker} in a JVM
 * opened to it. Java 17 allows wildcards in any label, Java 19 and later only in the leftmost one.
 */
class HostnameParityIT {
  private static final List<String> PRESENTED = List.of(
      "api.example.com", "API.Example.COM", "*.example.com", "partial-w*.example.com", "*-api.example.com",
      "f*o.example.com", "a*b*c.example.com", "api.*.example.com", "*.*.example.com", "*.example.*", "*", "*.",
      "*com", "*.com", "*ample.com", "*.co.uk", "*.example.co.uk", "*.blogspot.com", "*.ck", "*.foo.ck",
      "*.www.ck", "*.xn--bcher-kva.example", "xn--bcher-kva.example", "XN--BCHER-KVA.example",
      "www.Xn--bcher-kva.EXAMPLE", "api.example.com.", ".example.com",
      "api..example.com", "*.localhost", "localhost", "10.0.0.7", "*.0.0.7", "2001:db8::1");
  private static final List<String> HOSTS = List.of(
      "api.example.com", "example.com", "a.b.example.com", "partial-w1.example.com", "partial-w.example.com",
      "eu-api.example.com", "foo.example.com", "fox.example.com", "axxbyyc.example.com", "api.eu.example.com",
      "api.example.net", "localhost", "xcom", "example.co.uk", "www.example.co.uk", "me.blogspot.com", "x.foo.ck",
      "www.ck", "a.www.ck", "www.xn--bcher-kva.example", "xn--bcher-kva.example", "10.0.0.7", "10.0.0.8",
      "2001:db8:0:0:0:0:0:1");

  @TempDir
  static Path directory;

  @BeforeAll
  static void writeRows() throws IOException {
    StringBuilder rows = new StringBuilder();
    int file = 0;
    for (String presented : PRESENTED) {
      boolean ip = presented.indexOf(':') >= 0 || presented.matches("[0-9.]+");
      Stream<X509Certificate> leaves = Stream.of(
          TestPki.leaf("Some Server").dns(presented).build().certificate,
          TestPki.leaf(presented).build().certificate);
      if (ip) {
        leaves = Stream.concat(leaves, Stream.of(TestPki.leaf("Some Server").ip(presented).build().certificate));
      }
      for (X509Certificate leaf : (Iterable<X509Certificate>) leaves::iterator) {
        String name = "leaf-" + file++ + ".der";
        write(directory.resolve(name), leaf);
        for (String host : HOSTS) {
          rows.append(name).append('\t').append(host).append('\t').append(presented).append('\n');
        }
      }
    }
    Files.write(directory.resolve("rows.txt"), rows.toString().getBytes(StandardCharsets.UTF_8));
  }

  private static void write(Path file, X509Certificate certificate) throws IOException {
    try {
      Files.write(file, certificate.getEncoded());
    } catch (CertificateEncodingException e) {
      throw new IOException(e);
    }
  }

  static Stream<Path> jvms() {
    return JavaRuntimes.all().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("jvms")
  void namesTheHostExactlyWhenTheJdksOwnCheckerDoes(Path javaHome) {
    ForkedJvm.Result result = ForkedJvm.on(javaHome)
        .jvmOption("--add-exports=java.base/sun.security.util=ALL-UNNAMED")
        .classpathWith(List.of(ForkedJvm.agentJar()))
        .main(HostnameParity.class, directory.toString())
        .run();

    assertThat(result.exitCode).as(result.toString()).isZero();
    assertThat(result.stdout).as(result.toString()).doesNotContain("MISMATCH").contains("COMPARED ");
    int compared = Integer.parseInt(result.stdout.substring(result.stdout.indexOf("COMPARED ") + 9).trim());
    assertThat(compared).isGreaterThan(2_000);
  }
}
