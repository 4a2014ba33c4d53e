package dev.pinagent.policy;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;

/**
 * A SHA-256 hash of a DER-encoded SubjectPublicKeyInfo, written {@code sha256/<base64>} as in RFC 7469 and
 * OkHttp's {@code CertificatePinner}. Pinning the key rather than the certificate survives re-issuance
 * with the same key. Other hash algorithms are refused: SHA-1 is broken for this purpose, and accepting
 * unknown ones would let a typo slip through as a pin that never matches.
 */
public final class Pin {
  private static final String PREFIX = "sha256/";
  /** SHA-256 output length; RFC 7469 section 2.4. */
  private static final int HASH_BYTES = 32;

  private final byte[] hash;
  private final int hashCode;

  private Pin(byte[] hash) {
    this.hash = hash;
    this.hashCode = Arrays.hashCode(hash);
  }

  /** Parses {@code sha256/<44 base64 chars>}; the message of the exception says what was expected. */
  public static Pin parse(String text) {
    String expected = "expected 'sha256/<base64 of 32 bytes, 44 chars>'";
    if (text == null || text.isEmpty()) {
      throw new IllegalArgumentException(expected + ", got an empty value");
    }
    int slash = text.indexOf('/');
    String algorithm = slash < 0 ? "" : text.substring(0, slash);
    if (algorithm.equalsIgnoreCase("sha1")) {
      throw new IllegalArgumentException(
          expected + ", got '" + text + "': sha1 pins are refused as weak; pin the sha256 of the same key");
    }
    if (!text.startsWith(PREFIX)) {
      throw new IllegalArgumentException(expected + ", got '" + text + "'");
    }
    byte[] decoded;
    try {
      decoded = Base64.getDecoder().decode(text.substring(PREFIX.length()));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(expected + ", got '" + text + "': not valid base64");
    }
    if (decoded.length != HASH_BYTES) {
      throw new IllegalArgumentException(
          expected + ", got '" + text + "': decodes to " + decoded.length + " bytes, not " + HASH_BYTES);
    }
    return new Pin(decoded);
  }

  /** The pin of an already computed SHA-256 digest. */
  public static Pin ofSha256(byte[] digest) {
    if (digest.length != HASH_BYTES) {
      throw new IllegalArgumentException("a SHA-256 digest has 32 bytes, got " + digest.length);
    }
    return new Pin(digest.clone());
  }

  /** The pin of a DER-encoded SubjectPublicKeyInfo ({@code PublicKey.getEncoded()} for X.509 keys). */
  public static Pin ofSubjectPublicKeyInfo(byte[] encodedSpki) {
    try {
      return new Pin(MessageDigest.getInstance("SHA-256").digest(encodedSpki));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform must support SHA-256", e);
    }
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Pin && Arrays.equals(hash, ((Pin) other).hash);
  }

  @Override
  public int hashCode() {
    return hashCode;
  }

  @Override
  public String toString() {
    return PREFIX + Base64.getEncoder().encodeToString(hash);
  }
}
