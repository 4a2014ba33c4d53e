package dev.pinagent.signing;

import org.bouncycastle.crypto.digests.SHA256Digest;

/**
 * SHA-256 as lower-case hex, for what the agent fingerprints at startup: the policy's bytes and a signing key's
 * id. Through BouncyCastle's digest, which the jar already ships for Ed25519, rather than the JCA: the JCA's first
 * use (provider list, the Sun provider, its entropy source) cost 25 to 30 ms inside {@code premain}, where
 * everything delays the application's {@code main}. The pin check still uses the JCA's SHA-256: it runs after
 * the application's own TLS has paid that cost.
 */
public final class Sha256 {
  private Sha256() {}

  /** The hex SHA-256 of {@code bytes}, or its first {@code hexDigits} digits. */
  public static String hex(byte[] bytes, int hexDigits) {
    SHA256Digest digest = new SHA256Digest();
    digest.update(bytes, 0, bytes.length);
    byte[] hash = new byte[digest.getDigestSize()];
    digest.doFinal(hash, 0);
    StringBuilder hex = new StringBuilder(hexDigits);
    for (int i = 0; i < hexDigits; i++) {
      int nibble = (hash[i / 2] >> (i % 2 == 0 ? 4 : 0)) & 0xf;
      hex.append(Character.forDigit(nibble, 16));
    }
    return hex.toString();
  }

  /** The whole hex SHA-256 of {@code bytes}. */
  public static String hex(byte[] bytes) {
    return hex(bytes, 64);
  }
}
