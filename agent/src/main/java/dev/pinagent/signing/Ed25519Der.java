package dev.pinagent.signing;

import java.util.Arrays;

/**
 * The two DER encodings of Ed25519 keys, which are fixed byte strings around the 32-byte key (RFC 8410): a public
 * key's SubjectPublicKeyInfo and a private key's PKCS #8 PrivateKeyInfo, exactly as {@code openssl genpkey
 * -algorithm ed25519} writes them. Compared byte for byte, so anything else (an RSA or EC key, an encrypted
 * private key, trailing bytes) is refused without an ASN.1 parser.
 */
final class Ed25519Der {
  static final int KEY_BYTES = 32;
  /** SEQUENCE { SEQUENCE { OID 1.3.101.112 }, BIT STRING (0 unused bits) } (RFC 8410, section 4). */
  private static final byte[] PUBLIC_PREFIX = hex("302a300506032b6570032100");
  /** SEQUENCE { INTEGER 0, SEQUENCE { OID 1.3.101.112 }, OCTET STRING { OCTET STRING } } (RFC 8410, section 7). */
  private static final byte[] PRIVATE_PREFIX = hex("302e020100300506032b657004220420");

  private Ed25519Der() {}

  /** The raw key in a SubjectPublicKeyInfo, or {@code null} when {@code der} is not an Ed25519 public key. */
  static byte[] publicKey(byte[] der) {
    return unwrap(PUBLIC_PREFIX, der);
  }

  /** The raw 32-byte seed in a PrivateKeyInfo, or {@code null} when {@code der} is not an Ed25519 private key. */
  static byte[] privateKey(byte[] der) {
    return unwrap(PRIVATE_PREFIX, der);
  }

  static byte[] encodePublic(byte[] key) {
    return wrap(PUBLIC_PREFIX, key);
  }

  static byte[] encodePrivate(byte[] seed) {
    return wrap(PRIVATE_PREFIX, seed);
  }

  /**
   * A key's id: the first 16 hex digits of the SHA-256 of its SubjectPublicKeyInfo. Written in each {@code .sig},
   * so that the agent knows which listed key to check with and an operator which key signed.
   */
  static String keyId(byte[] publicKey) {
    return Sha256.hex(encodePublic(publicKey), 16);
  }

  private static byte[] unwrap(byte[] prefix, byte[] der) {
    if (der.length != prefix.length + KEY_BYTES || !Arrays.equals(prefix, Arrays.copyOf(der, prefix.length))) {
      return null;
    }
    return Arrays.copyOfRange(der, prefix.length, der.length);
  }

  private static byte[] wrap(byte[] prefix, byte[] key) {
    byte[] der = Arrays.copyOf(prefix, prefix.length + key.length);
    System.arraycopy(key, 0, der, prefix.length, key.length);
    return der;
  }

  private static byte[] hex(String text) {
    byte[] bytes = new byte[text.length() / 2];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) Integer.parseInt(text.substring(2 * i, 2 * i + 2), 16);
    }
    return bytes;
  }
}
