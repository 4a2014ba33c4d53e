package dev.pinagent.reload;

import dev.pinagent.metrics.CounterStore;
import dev.pinagent.metrics.PolicyStatus;
import dev.pinagent.policy.Policy;
import dev.pinagent.policy.PolicyException;
import dev.pinagent.policy.yaml.PolicyLoader;
import dev.pinagent.signing.PolicySignatureException;
import dev.pinagent.signing.PolicySignatures;
import java.io.IOException;

/**
 * The policy loaded at startup, by the same rules as a reload: read the source (and its signature), check the
 * signature on the bytes, parse, require a serial. A policy server that cannot be reached falls back to the
 * cache ({@code policy.cache}), verified again, with a warning; a cached policy with a higher serial than the
 * server's makes the server's a rollback. Each refusal is counted under its reason.
 */
public final class StartupLoad {
  /** A refusal, its message a whole line: which kind (invalid, signature, rollback) and why. */
  public static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;

    Refused(String message, Throwable cause) {
      super(message, cause);
    }
  }

  public final Policy policy;
  public final String fingerprint;
  /** {@code -1} when signing is off. */
  public final long serial;
  /** Said at startup when the cache stood in for the policy server; {@code null} otherwise. */
  public final String warning;

  private StartupLoad(Policy policy, String fingerprint, long serial, String warning) {
    this.policy = policy;
    this.fingerprint = fingerprint;
    this.serial = serial;
    this.warning = warning;
  }

  /**
   * @param signatures {@code null} when signing is off
   * @param cache {@code null} when there is none
   */
  public static StartupLoad load(PolicySource source, PolicySignatures signatures, PolicyCache cache,
      CounterStore store) throws Refused {
    byte[] bytes;
    byte[] signature;
    try {
      bytes = source.read();
      signature = signatures == null ? null : source.readSignature();
    } catch (PolicyException e) {
      store.recordPolicyLoad(false, source.unreadableReason());
      if (cache == null) {
        throw new Refused("invalid pin policy: " + e.getMessage(), e);
      }
      return fromCache(source, signatures, cache, store, e);
    }
    StartupLoad loaded = verified(source.name(), bytes, signature, signatures, store, null);
    if (cache != null) {
      long cached = cachedSerial(cache, signatures);
      String rollback = PolicySignatures.rollback(source.name(), loaded.serial, cached);
      if (cached >= 0 && loaded.serial < cached) {
        store.recordPolicyLoad(false, PolicyStatus.ROLLBACK);
        throw new Refused("pin policy rolled back: " + rollback.replace("of the policy in force", "of the policy "
            + "cached in " + cache.directory()), null);
      }
      String failed = store(cache, bytes, signature);
      if (failed != null) {
        return new StartupLoad(loaded.policy, loaded.fingerprint, loaded.serial, failed);
      }
    }
    return loaded;
  }

  private static StartupLoad fromCache(PolicySource source, PolicySignatures signatures, PolicyCache cache,
      CounterStore store, PolicyException unreachable) throws Refused {
    PolicyFile cached = cache.source();
    byte[] bytes;
    byte[] signature;
    try {
      bytes = cached.read();
      signature = cached.readSignature();
    } catch (PolicyException e) {
      throw new Refused("invalid pin policy: " + unreachable.getMessage() + "; and no usable cached policy: "
          + e.getMessage(), unreachable);
    }
    StartupLoad loaded = verified(cached.name(), bytes, signature, signatures, store,
        "the policy server is unreachable (" + unreachable.getMessage() + "); using the policy cached in "
            + cache.directory() + ", verified again, until the server answers");
    return loaded;
  }

  private static StartupLoad verified(String name, byte[] bytes, byte[] signature, PolicySignatures signatures,
      CounterStore store, String warning) throws Refused {
    if (signatures != null) {
      try {
        signatures.verify(name, bytes, signature);
      } catch (PolicySignatureException e) {
        store.recordPolicyLoad(false, PolicyStatus.SIGNATURE);
        throw new Refused("pin policy signature refused: " + e.getMessage(), e);
      }
    }
    try {
      Policy policy = PolicyLoader.fromBytes(name, bytes);
      long serial = signatures == null ? -1 : PolicySignatures.serial(name, policy);
      return new StartupLoad(policy, PolicyReloader.fingerprint(bytes), serial, warning);
    } catch (PolicyException e) {
      store.recordPolicyLoad(false, PolicyStatus.INVALID);
      throw new Refused("invalid pin policy: " + e.getMessage(), e);
    }
  }

  /** The serial of a valid cached pair, or {@code -1} when there is none (a cache never trusted unverified). */
  private static long cachedSerial(PolicyCache cache, PolicySignatures signatures) {
    try {
      PolicyFile cached = cache.source();
      byte[] bytes = cached.read();
      signatures.verify(cached.name(), bytes, cached.readSignature());
      return PolicySignatures.serial(cached.name(), PolicyLoader.fromBytes(cached.name(), bytes));
    } catch (PolicyException | PolicySignatureException e) {
      return -1;
    }
  }

  /** Stores a verified pair in the cache; a cache that cannot be written costs a warning, never the policy. */
  static String store(PolicyCache cache, byte[] bytes, byte[] signature) {
    try {
      cache.store(bytes, signature);
      return null;
    } catch (IOException | RuntimeException e) {
      return "cannot write the policy cache " + cache.directory() + " (a restart while the policy server is down "
          + "would find no cached policy): " + e;
    }
  }
}
