package dev.pinagent.verify;

import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers which certificate's key verified which certificate's signature, so that a chain seen before
 * costs no signature verification (tens of microseconds each). The JDK hands out the same certificate
 * objects for the same encoding (its certificate factory caches them), so a server's chain on a later
 * handshake hits by identity. Bounded: past its limit it starts over.
 */
public final class SignatureCache {
  private final int capacity;
  private final ConcurrentHashMap<X509Certificate, X509Certificate> verifiedSigner;

  public SignatureCache(int capacity) {
    this.capacity = capacity;
    this.verifiedSigner = new ConcurrentHashMap<>(Math.min(capacity, 256));
  }

  /** A cache that remembers nothing: every call verifies. */
  static SignatureCache none() {
    return new SignatureCache(0);
  }

  /** Whether {@code signer}'s public key verifies {@code child}'s signature. */
  boolean verifies(X509Certificate child, X509Certificate signer) {
    if (capacity > 0 && verifiedSigner.get(child) == signer) {
      return true;
    }
    try {
      child.verify(signer.getPublicKey());
    } catch (GeneralSecurityException | RuntimeException e) {
      // A signature that does not verify, or one this JVM cannot check, simply does not link.
      return false;
    }
    if (capacity > 0) {
      if (verifiedSigner.size() >= capacity) {
        verifiedSigner.clear();
      }
      verifiedSigner.put(child, signer);
    }
    return true;
  }
}
