package dev.pinagent.bridge;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.HashMap;
import java.util.Map;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The wrapper already made for each trust manager, by identity. A {@code WeakHashMap} would compare trust
 * managers with their own {@code equals}, and a class with a loose one would be handed another manager's
 * wrapper — and with it, another manager's trust decisions. Keys and values are weak (a wrapper holds its
 * delegate strongly), so nothing here keeps a trust manager alive.
 */
final class WrapperCache {
  private final ReferenceQueue<Object> collected = new ReferenceQueue<>();
  private final Map<IdentityKey, WeakReference<PinningTrustManager>> wrappers = new HashMap<>();

  /** The wrapper made for {@code delegate} earlier, if it is still alive. */
  synchronized PinningTrustManager get(X509ExtendedTrustManager delegate) {
    expungeCollected();
    WeakReference<PinningTrustManager> known = wrappers.get(new IdentityKey(delegate, null));
    return known == null ? null : known.get();
  }

  synchronized void put(X509ExtendedTrustManager delegate, PinningTrustManager wrapper) {
    expungeCollected();
    wrappers.put(new IdentityKey(delegate, collected), new WeakReference<>(wrapper));
  }

  private void expungeCollected() {
    for (Object key = collected.poll(); key != null; key = collected.poll()) {
      wrappers.remove(key);
    }
  }

  /** Equal only to a key for the very same object, compared with {@code ==}. */
  private static final class IdentityKey extends WeakReference<Object> {
    private final int hash;

    IdentityKey(Object referent, ReferenceQueue<Object> queue) {
      super(referent, queue);
      this.hash = System.identityHashCode(referent);
    }

    @Override
    public boolean equals(Object other) {
      if (this == other) {
        return true;
      }
      if (!(other instanceof IdentityKey)) {
        return false;
      }
      Object referent = get();
      return referent != null && referent == ((IdentityKey) other).get();
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }
}
