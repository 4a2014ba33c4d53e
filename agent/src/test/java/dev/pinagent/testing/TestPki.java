package dev.pinagent.testing;

import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.bouncycastle.asn1.x509.PolicyConstraints;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throw-away PKI built in code for each test run: CAs with or without the CA bit and path lengths,
 * leaves with SANs, and forged certificates that carry a CA's name but not its signature. Nothing is ever
 * checked in, so no test depends on a certificate that expires.
 *
 * <pre>
 * TestPki.Issued root = TestPki.ca("CN=Good Root").build();
 * TestPki.Issued leaf = TestPki.leaf("localhost").dns("localhost").ip("127.0.0.1").issuedBy(root).build();
 * </pre>
 */
public final class TestPki {
  public static final char[] PASSWORD = "changeit".toCharArray();

  private static final AtomicLong SERIALS = new AtomicLong(System.nanoTime());
  private static final SecureRandom RANDOM = new SecureRandom();

  private TestPki() {}

  /** A key pair and the certificate for it. */
  public static final class Issued {
    public final KeyPair keyPair;
    public final X509Certificate certificate;

    Issued(KeyPair keyPair, X509Certificate certificate) {
      this.keyPair = keyPair;
      this.certificate = certificate;
    }

    /** The {@code sha256/...} pin of this certificate's public key. */
    public String pin() {
      return TestPki.pin(certificate);
    }
  }

  /** Starts a CA certificate: CA bit set, keyCertSign usage, no path length limit, self-signed by default. */
  public static Builder ca(String subject) {
    return new Builder(subject).ca(true);
  }

  /** Starts a server certificate for {@code commonName}: no CA bit. */
  public static Builder leaf(String commonName) {
    return new Builder("CN=" + commonName).ca(false);
  }

  /** Builds one certificate. */
  public static final class Builder {
    private final String subject;
    private boolean ca;
    private Integer pathLength;
    private boolean basicConstraints = true;
    private boolean keyUsage = true;
    private Integer keyUsageBits;
    private final List<GeneralSubtree> permitted = new ArrayList<>();
    private Integer requireExplicitPolicy;
    private Issued issuer;
    private KeyPair keyPair;
    private String issuerNameOverride;
    private PrivateKey signingKeyOverride;
    private Instant notBefore = Instant.now().minus(Duration.ofDays(1));
    private Instant notAfter = Instant.now().plus(Duration.ofDays(30));
    private final List<GeneralName> sans = new ArrayList<>();

    Builder(String subject) {
      this.subject = subject;
    }

    public Builder ca(boolean isCa) {
      this.ca = isCa;
      return this;
    }

    public Builder pathLength(int maxIntermediates) {
      this.pathLength = maxIntermediates;
      return this;
    }

    /** Leaves out BasicConstraints altogether (an old-style v3 certificate: never a CA). */
    public Builder withoutBasicConstraints() {
      this.basicConstraints = false;
      return this;
    }

    public Builder withoutKeyUsage() {
      this.keyUsage = false;
      return this;
    }

    /** Replaces the default KeyUsage with {@code bits} (BouncyCastle {@link KeyUsage} constants). */
    public Builder keyUsage(int bits) {
      this.keyUsageBits = bits;
      return this;
    }

    /** Name constraints (critical): the CA may only certify DNS names in these subtrees. */
    public Builder permittedDns(String... subtrees) {
      for (String subtree : subtrees) {
        permitted.add(new GeneralSubtree(new GeneralName(GeneralName.dNSName, subtree)));
      }
      return this;
    }

    /**
     * Policy constraints (critical): below this CA, after {@code skipCerts} more certificates, every certificate
     * must carry an acceptable policy; test certificates carry none, so any path through it is then invalid.
     */
    public Builder requireExplicitPolicy(int skipCerts) {
      this.requireExplicitPolicy = skipCerts;
      return this;
    }

    public Builder issuedBy(Issued signer) {
      this.issuer = signer;
      return this;
    }

    /** Reuses a key pair, e.g. for a forged certificate with the same key as a real one. */
    public Builder keyPair(KeyPair pair) {
      this.keyPair = pair;
      return this;
    }

    /** Claims {@code issuerName} as issuer but signs with {@code signingKey}: a forged issuer. */
    public Builder forgedIssuer(String issuerName, PrivateKey signingKey) {
      this.issuerNameOverride = issuerName;
      this.signingKeyOverride = signingKey;
      return this;
    }

    public Builder dns(String... names) {
      for (String name : names) {
        sans.add(new GeneralName(GeneralName.dNSName, name));
      }
      return this;
    }

    public Builder ip(String... addresses) {
      for (String address : addresses) {
        sans.add(new GeneralName(GeneralName.iPAddress, address));
      }
      return this;
    }

    public Builder validity(Instant from, Instant until) {
      this.notBefore = from;
      this.notAfter = until;
      return this;
    }

    public Issued build() {
      try {
        KeyPair pair = keyPair != null ? keyPair : newKeyPair();
        X500Principal subjectName = new X500Principal(subject);
        X500Principal issuerName = issuerNameOverride != null ? new X500Principal(issuerNameOverride)
            : issuer != null ? issuer.certificate.getSubjectX500Principal() : subjectName;
        PrivateKey signingKey = signingKeyOverride != null ? signingKeyOverride
            : issuer != null ? issuer.keyPair.getPrivate() : pair.getPrivate();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuerName,
            BigInteger.valueOf(SERIALS.incrementAndGet()), Date.from(notBefore), Date.from(notAfter), subjectName,
            pair.getPublic());
        if (basicConstraints) {
          BasicConstraints constraints = !ca ? new BasicConstraints(false)
              : pathLength == null ? new BasicConstraints(true) : new BasicConstraints(pathLength);
          builder.addExtension(Extension.basicConstraints, true, constraints);
        }
        if (keyUsage) {
          int usage = keyUsageBits != null ? keyUsageBits
              : ca ? KeyUsage.keyCertSign | KeyUsage.cRLSign : KeyUsage.digitalSignature;
          builder.addExtension(Extension.keyUsage, true, new KeyUsage(usage));
        }
        if (!permitted.isEmpty()) {
          builder.addExtension(Extension.nameConstraints, true,
              new NameConstraints(permitted.toArray(new GeneralSubtree[0]), null));
        }
        if (requireExplicitPolicy != null) {
          builder.addExtension(Extension.policyConstraints, true,
              new PolicyConstraints(BigInteger.valueOf(requireExplicitPolicy), null));
        }
        if (!sans.isEmpty()) {
          builder.addExtension(Extension.subjectAlternativeName, false,
              new GeneralNames(sans.toArray(new GeneralName[0])));
        }
        X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
            builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signingKey)));
        return new Issued(pair, certificate);
      } catch (Exception e) {
        throw new IllegalStateException("cannot build test certificate " + subject, e);
      }
    }
  }

  public static KeyPair newKeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return generator.generateKeyPair();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The {@code sha256/<base64>} pin of a certificate's SubjectPublicKeyInfo, computed independently. */
  public static String pin(X509Certificate certificate) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(certificate.getPublicKey().getEncoded());
      return "sha256/" + Base64.getEncoder().encodeToString(hash);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A pin of a key nobody has: a backup pin, or a pin that must never match. */
  public static String randomPin() {
    byte[] hash = new byte[32];
    RANDOM.nextBytes(hash);
    return "sha256/" + Base64.getEncoder().encodeToString(hash);
  }

  /** A PKCS#12 key store whose one key entry sends {@code chain} (leaf first) exactly as given. */
  public static KeyStore keyStore(PrivateKey key, X509Certificate... chain) {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, PASSWORD);
      store.setKeyEntry("server", key, PASSWORD, chain.clone());
      return store;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A PKCS#12 trust store trusting each of {@code anchors}. */
  public static KeyStore trustStore(X509Certificate... anchors) {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, PASSWORD);
      for (int i = 0; i < anchors.length; i++) {
        store.setCertificateEntry("anchor-" + i, anchors[i]);
      }
      return store;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The JDK's PKIX trust manager over {@code anchors}: what a client built on the JVM's defaults validates with. */
  public static javax.net.ssl.X509ExtendedTrustManager trustManager(X509Certificate... anchors) {
    try {
      javax.net.ssl.TrustManagerFactory factory = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
      factory.init(trustStore(anchors));
      return (javax.net.ssl.X509ExtendedTrustManager) factory.getTrustManagers()[0];
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public static Path write(KeyStore store, Path file) {
    try (OutputStream out = Files.newOutputStream(file)) {
      store.store(out, PASSWORD);
      return file;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The chain as an array, leaf first. */
  public static X509Certificate[] chain(Certificate... certificates) {
    X509Certificate[] chain = new X509Certificate[certificates.length];
    for (int i = 0; i < certificates.length; i++) {
      chain[i] = (X509Certificate) certificates[i];
    }
    return chain;
  }
}
