package dev.pinagent.bridge;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSessionContext;

/**
 * The client session caches the agent has seen a lookup in, held weakly (a context the application drops is
 * never kept alive here), so that a policy reload can empty them: a session resumed from them skips the trust
 * manager, so one checked under the old policy must not be resumed under the new one. SunJSSE's and BouncyCastle's
 * sessions also carry the stamp of the policy they were checked under, and are refused when it is not the one in
 * force; Netty's OpenSSL cache is looked up by host and port before any session is visible, so there emptying the
 * cache is what keeps the rule.
 */
final class SessionCaches {
  private static final Map<SSLSessionContext, Boolean> SEEN = Collections.synchronizedMap(new WeakHashMap<>());

  /** The last cache remembered: most services have one or two, so the common case takes no lock. */
  private static volatile WeakReference<SSLSessionContext> last = new WeakReference<>(null);

  private SessionCaches() {}

  static void remember(Object cache) {
    if (!(cache instanceof SSLSessionContext) || last.get() == cache) {
      return;
    }
    SSLSessionContext context = (SSLSessionContext) cache;
    SEEN.put(context, Boolean.TRUE);
    last = new WeakReference<>(context);
  }

  /** How many caches are held, for tests of the weak hold. */
  static int held() {
    synchronized (SEEN) {
      return SEEN.size();
    }
  }

  /** Invalidates every session of every cache seen; returns how many were invalidated. */
  static int invalidateAll() {
    List<SSLSessionContext> caches;
    synchronized (SEEN) {
      caches = new ArrayList<>(SEEN.keySet());
    }
    int invalidated = 0;
    for (SSLSessionContext cache : caches) {
      try {
        List<byte[]> ids = new ArrayList<>();
        for (Enumeration<byte[]> each = cache.getIds(); each.hasMoreElements(); ) {
          ids.add(each.nextElement());
        }
        for (byte[] id : ids) {
          SSLSession session = cache.getSession(id);
          if (session != null) {
            session.invalidate();
            invalidated++;
          }
        }
      } catch (RuntimeException e) {
        // The other caches are still emptied; this one's sessions keep their stamp where the provider has one.
        TrustManagerWrapping.failed("resumption", e);
      }
    }
    return invalidated;
  }
}
