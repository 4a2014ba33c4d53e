package dev.pinagent.it.support;

import dev.pinagent.testing.TestPki;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The attack every integration test replays. A legitimate server ("good": root, issuing intermediate,
 * leaf for localhost) and a man in the middle ("evil": its own root, a leaf for the same names) whose CA the
 * client JVM <em>also</em> trusts — a compromised CA, a corporate proxy, a CA a user added. Without pinning
 * the client cannot tell them apart. The servers send what real ones send: the leaf and its intermediates,
 * never the root. A third server presents a good-CA certificate for a different name.
 */
public final class MitmLab implements AutoCloseable {
  /** bücher.example in its ASCII form; {@link #hostsFile} maps both spellings to loopback. */
  public static final String IDN_HOST = "xn--bcher-kva.example";

  public final TestPki.Issued goodRoot = TestPki.ca("CN=Good Root CA,O=Partner").build();
  public final TestPki.Issued goodIntermediate =
      TestPki.ca("CN=Good Issuing CA,O=Partner").pathLength(0).issuedBy(goodRoot).build();
  public final TestPki.Issued goodLeaf = TestPki.leaf("localhost")
      .dns("localhost", IDN_HOST).ip("127.0.0.1", "::1").issuedBy(goodIntermediate).build();
  public final TestPki.Issued evilRoot = TestPki.ca("CN=Evil Root CA,O=Interceptor").build();
  public final TestPki.Issued evilLeaf = TestPki.leaf("localhost")
      .dns("localhost", IDN_HOST).ip("127.0.0.1", "::1").issuedBy(evilRoot).build();
  public final TestPki.Issued wrongNameLeaf =
      TestPki.leaf("wrong.example").dns("wrong.example").issuedBy(goodIntermediate).build();

  public final TlsServer good;
  public final TlsServer evil;
  public final TlsServer wrongName;
  public final Path directory;
  public final Path trustStore;

  private final AtomicInteger policies = new AtomicInteger();
  private GrpcTestServer grpcGood;
  private GrpcTestServer grpcEvil;

  public MitmLab() {
    try {
      directory = Files.createTempDirectory("pin-agent-it");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    trustStore = TestPki.write(TestPki.trustStore(goodRoot.certificate, evilRoot.certificate),
        directory.resolve("truststore.p12"));
    good = TlsServer.start("good", "127.0.0.1", goodLeaf.keyPair.getPrivate(),
        goodLeaf.certificate, goodIntermediate.certificate);
    evil = TlsServer.start("evil", "127.0.0.1", evilLeaf.keyPair.getPrivate(), evilLeaf.certificate);
    wrongName = TlsServer.start("wrong-name", "127.0.0.1", wrongNameLeaf.keyPair.getPrivate(),
        wrongNameLeaf.certificate, goodIntermediate.certificate);
  }

  /** A gRPC server with the good chain, started on first use. */
  public synchronized GrpcTestServer grpcGood() {
    if (grpcGood == null) {
      grpcGood = GrpcTestServer.start("good", directory, goodLeaf.keyPair.getPrivate(), goodLeaf.certificate,
          goodIntermediate.certificate);
    }
    return grpcGood;
  }

  /** A gRPC server with the MITM's chain, started on first use. */
  public synchronized GrpcTestServer grpcEvil() {
    if (grpcEvil == null) {
      grpcEvil = GrpcTestServer.start("evil", directory, evilLeaf.keyPair.getPrivate(), evilLeaf.certificate);
    }
    return grpcEvil;
  }

  /**
   * A hosts file for {@code -Djdk.net.hosts.file}: the JVM then resolves names from it alone, so tests can
   * use host names other than localhost without touching the machine's resolver.
   */
  public Path hostsFile() {
    Path file = directory.resolve("hosts");
    try {
      Files.write(file, ("127.0.0.1 localhost\n127.0.0.1 localhost.\n::1 localhost\n127.0.0.1 " + IDN_HOST + "\n127.0.0.1 bücher.example\n")
          .getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  /** Writes a policy file and returns its path. */
  public Path policy(String yaml) {
    Path file = directory.resolve("policy-" + policies.incrementAndGet() + ".yaml");
    try {
      Files.write(file, yaml.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  /** The recommended policy: localhost pinned to the good issuing CA, with a backup pin. */
  public Path localhostPinnedToGoodIssuer(String mode) {
    return policy("version: 1\n"
        + "mode: " + mode + "\n"
        + "pin-sets:\n"
        + "  - name: partner\n"
        + "    hosts: [localhost]\n"
        + "    pins:\n"
        + "      - " + goodIntermediate.pin() + "\n"
        + "      - " + TestPki.randomPin() + "   # backup\n");
  }

  /** A client JVM trusting both CAs, as the attacked service does. */
  public ForkedJvm client(Path javaHome) {
    return ForkedJvm.on(javaHome).trustStore(trustStore);
  }

  @Override
  public void close() {
    good.close();
    evil.close();
    wrongName.close();
    if (grpcGood != null) {
      grpcGood.close();
    }
    if (grpcEvil != null) {
      grpcEvil.close();
    }
  }
}
