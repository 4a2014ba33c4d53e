package dev.pinagent.inventory;

import dev.pinagent.policy.PinSet;
import dev.pinagent.verify.CheckResult;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.LongAdder;
import javax.net.ssl.X509TrustManager;

/**
 * One (host, port, chain, policy outcome) as the handshake threads see it: found by a hash lookup, then counted.
 * Made once, on first sight, and handed to the background thread, which works out the path and files it.
 */
final class Sighting {
  /** Within this, a handshake does not write the last-seen time again (a volatile write saved per handshake). */
  private static final long LAST_SEEN_RESOLUTION_MILLIS = 1_000;

  final X509Certificate[] chain;
  final String host;
  /** The peer host when it differs from {@link #host} (the SNI name), else {@code null}. */
  final String peerHost;
  final int port;
  final PinSet set;
  /** {@code null}: the check refused the chain. */
  final CheckResult result;
  final X509TrustManager trustManager;
  final long firstSeen;
  /** The next sighting of the same leaf and host (another port, chain or outcome). */
  final Sighting next;
  /** The counts, which the inventory keeps without the certificates and trust manager. */
  final Tally tally;

  Sighting(X509Certificate[] chain, String host, String peerHost, int port, PinSet set, CheckResult result,
      X509TrustManager trustManager, long now, int generation, Sighting next) {
    this.chain = chain.clone();
    this.host = host;
    this.peerHost = peerHost;
    this.port = port;
    this.set = set;
    this.result = result;
    this.trustManager = trustManager;
    this.firstSeen = now;
    this.next = next;
    this.tally = new Tally(now, generation);
  }

  /** Handshakes and the last time one was seen, counted by handshake threads, read by the inventory. */
  static final class Tally {
    /** The recorder's generation when made: older ones are no longer found by handshakes, so may be folded. */
    final int generation;
    final LongAdder handshakes = new LongAdder();
    private volatile long lastSeen;

    Tally(long now, int generation) {
      this.lastSeen = now;
      this.generation = generation;
    }

    void count(long now) {
      handshakes.increment();
      if (now - lastSeen >= LAST_SEEN_RESOLUTION_MILLIS) {
        lastSeen = now;
      }
    }

    long lastSeen() {
      return lastSeen;
    }
  }

  /** Whether this is the sighting of exactly this chain, names and outcome; allocates nothing. */
  boolean is(X509Certificate[] other, String otherPeer, int otherPort, PinSet otherSet, CheckResult otherResult) {
    if (port != otherPort || set != otherSet || result != otherResult || chain.length != other.length
        || !(peerHost == null ? otherPeer == null : peerHost.equals(otherPeer))) {
      return false;
    }
    for (int i = 0; i < chain.length; i++) {
      // Identity first: the JDK's certificate factory hands out the same objects for the same encoding.
      if (chain[i] != other[i] && (chain[i] == null || !chain[i].equals(other[i]))) {
        return false;
      }
    }
    return true;
  }

  void count(long now) {
    tally.count(now);
  }

  /** The outcome as written in the inventory: the {@code result} tag of the metrics, or {@code blocked}. */
  String resultId() {
    return result == null ? Inventory.BLOCKED : result.id();
  }
}
