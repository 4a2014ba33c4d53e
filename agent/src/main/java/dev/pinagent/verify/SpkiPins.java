package dev.pinagent.verify;

import dev.pinagent.policy.Pin;
import java.security.cert.X509Certificate;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The pin (SHA-256 of the SubjectPublicKeyInfo) of each certificate, remembered for the certificates a
 * service sees again and again. The cache is bounded: past its limit it starts over, which costs a few
 * hashes and never memory.
 */
public final class SpkiPins {
  private final int capacity;
  private final ConcurrentHashMap<X509Certificate, Pin> cache;

  public SpkiPins(int capacity) {
    this.capacity = capacity;
    this.cache = new ConcurrentHashMap<>(Math.min(capacity, 256));
  }

  public Pin of(X509Certificate certificate) {
    Pin pin = cache.get(certificate);
    if (pin == null) {
      pin = Pin.ofSubjectPublicKeyInfo(certificate.getPublicKey().getEncoded());
      if (cache.size() >= capacity) {
        cache.clear();
      }
      cache.put(certificate, pin);
    }
    return pin;
  }

  /** How many certificates are remembered; for tests of the bound. */
  public int size() {
    return cache.size();
  }
}
