package dev.pinagent.metrics;

import dev.pinagent.policy.Policy;

/**
 * Which policy is in force and where it came from, for the policy meters: the fingerprint a dashboard compares
 * across a fleet, when it was loaded, and whether the file now holds a version the agent refused (so an older
 * policy is in force than the one operators shipped). Written by the one thread that loads policies, read by
 * scrapes.
 */
public final class PolicyStatus {
  /** Values of the {@code result} tag of {@code tls.pin.policy.loads}. */
  public static final String SUCCESS = "success";
  public static final String FAILURE = "failure";

  /** Values of its {@code reason} tag. */
  public static final String NO_REASON = "none";
  /** The policy was read and refused: its syntax, a key, a pin, ... */
  public static final String INVALID = "invalid";
  /** The policy could not be read: missing, unreadable, not a regular file, too large. */
  public static final String UNREADABLE = "unreadable";
  /** Signing is on and the policy is unsigned, its signature malformed, by a key not listed, or not over it. */
  public static final String SIGNATURE = "signature";
  /** Signing is on and the policy's serial is lower than (or equal to, with other bytes) the one in force. */
  public static final String ROLLBACK = "rollback";
  /** The policy server could not be reached, or did not serve the policy (an error status, too slow, too large). */
  public static final String UNREACHABLE = "unreachable";

  /** One snapshot, so that a scrape never sees the fingerprint of one policy with the sets of another. */
  static final class InForce {
    final Policy policy;
    final String sha256;
    final String source;
    final long loadedAtMillis;

    InForce(Policy policy, String sha256, String source, long loadedAtMillis) {
      this.policy = policy;
      this.sha256 = sha256;
      this.source = source;
      this.loadedAtMillis = loadedAtMillis;
    }
  }

  private volatile InForce inForce;
  private volatile boolean failing;

  /** Records that {@code policy} is now in force; {@code sha256} is the fingerprint of its bytes. */
  public void loaded(Policy policy, String sha256, String source, long epochMillis) {
    inForce = new InForce(policy, sha256, source, epochMillis);
    failing = false;
  }

  /** Records whether the policy source holds something other than the policy in force that cannot be used. */
  public void failing(boolean failing) {
    this.failing = failing;
  }

  public boolean isFailing() {
    return failing;
  }

  /** The policy in force with its fingerprint, read at once; {@code null} before the first load. */
  InForce inForce() {
    return inForce;
  }

  /** The policy in force, or {@code null} when none has been loaded (a start with {@code on.policy.error=unpinned}). */
  public Policy policy() {
    InForce current = inForce;
    return current == null ? null : current.policy;
  }

  /** The fingerprint of the policy in force, or {@code null}. */
  public String sha256() {
    InForce current = inForce;
    return current == null ? null : current.sha256;
  }

  /** Where the policy in force was read from, or {@code null}. */
  public String source() {
    InForce current = inForce;
    return current == null ? null : current.source;
  }

  /** Seconds since the epoch at the last successful load; {@code NaN} before one. */
  public double loadedAtSeconds() {
    InForce current = inForce;
    return current == null ? Double.NaN : current.loadedAtMillis / 1000.0;
  }
}
