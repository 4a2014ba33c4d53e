package dev.pinagent.shaded.bouncycastle.crypto;

/**
 * Takes the place, in the agent jar only, of BouncyCastle's {@code CryptoServicesRegistrar}, which the build leaves
 * out of the agent's relocated copy of BouncyCastle (see the shade plugin's filters in {@code agent/pom.xml}).
 *
 * <p>Why: the real registrar's class initialiser creates a {@code java.util.logging.Logger}, which initialises
 * {@code java.util.logging} inside {@code premain}, before the application could choose its log manager: that
 * breaks a {@code -Djava.util.logging.manager} set-up such as JBoss LogManager's, costs 25 to 40 ms of every
 * start-up with a signed policy, and pulls about 300 further classes (ASN.1, elliptic curves) into the jar. The
 * agent's Ed25519 reaches the registrar only through {@code SHA512Digest}'s constructor, which asks it to check
 * the digest against the constraints set on the registrar. In the agent's copy none can ever be set: the
 * application cannot reach a relocated class, and the agent sets none. So that check passes for every digest,
 * here by construction, as it would in the real one. AgentJarIT fails when another call into the registrar
 * appears in the jar (a new BouncyCastle version), so that a missing method is never met at run time.
 *
 * <p>Compiled against BouncyCastle's own {@code CryptoServiceProperties}; the shade plugin relocates that
 * reference with the rest, and this class's own name already is the relocated one.
 */
public final class CryptoServicesRegistrar {
  private CryptoServicesRegistrar() {}

  /** Passes: no constraints can be set on the agent's private copy of BouncyCastle (see the class comment). */
  public static void checkConstraints(org.bouncycastle.crypto.CryptoServiceProperties properties) {
    // Nothing to check against.
  }
}
