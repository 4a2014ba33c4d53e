package dev.pinagent.verify;

import dev.pinagent.policy.Pin;
import dev.pinagent.policy.PinSet;
import java.security.cert.X509Certificate;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.X509TrustManager;

/**
 * The chains already found to match, so that the handshakes after the first cost a hash probe and a few
 * identity comparisons: no path building, no hashing, no allocation. An entry holds for exactly the same
 * certificates (by identity: the JDK's certificate factory hands out the same objects for the same
 * encoding), pin-set, connection names and trust manager. Only matches are remembered; a mismatch is always
 * worked out in full, for its message. Each entry keeps the pin that matched, so that the warm check counts it
 * without working it out again. Bounded: past its limit it starts over.
 */
final class MatchCache {
  private final int capacity;
  private final ConcurrentHashMap<X509Certificate, Entry> byLeaf;

  MatchCache(int capacity) {
    this.capacity = capacity;
    this.byLeaf = new ConcurrentHashMap<>(Math.min(capacity, 256));
  }

  private static final class Entry {
    final X509Certificate[] chain;
    final PinSet set;
    final String serverName;
    final String peerHost;
    final X509TrustManager trustManager;
    final Pin pin;

    Entry(X509Certificate[] chain, PinSet set, String serverName, String peerHost, X509TrustManager trustManager,
        Pin pin) {
      this.chain = chain;
      this.set = set;
      this.serverName = serverName;
      this.peerHost = peerHost;
      this.trustManager = trustManager;
      this.pin = pin;
    }
  }

  /** The pin that matched these certificates, names and trust manager before, or {@code null}. */
  Pin matchedPin(X509Certificate[] chain, PinSet set, String serverName, String peerHost,
      X509TrustManager trustManager) {
    if (chain == null || chain.length == 0 || chain[0] == null) {
      return null;
    }
    Entry entry = byLeaf.get(chain[0]);
    if (entry == null || entry.set != set || entry.trustManager != trustManager
        || entry.chain.length != chain.length || !Objects.equals(entry.serverName, serverName)
        || !Objects.equals(entry.peerHost, peerHost)) {
      return null;
    }
    for (int i = 0; i < chain.length; i++) {
      if (entry.chain[i] != chain[i]) {
        return null;
      }
    }
    return entry.pin;
  }

  void remember(X509Certificate[] chain, PinSet set, String serverName, String peerHost,
      X509TrustManager trustManager, Pin pin) {
    if (byLeaf.size() >= capacity) {
      byLeaf.clear();
    }
    byLeaf.put(chain[0], new Entry(chain.clone(), set, serverName, peerHost, trustManager, pin));
  }
}
