package dev.pinagent.reload;

import dev.pinagent.log.AgentLog;
import dev.pinagent.metrics.CounterStore;
import dev.pinagent.metrics.PolicyStatus;
import dev.pinagent.policy.Policy;
import dev.pinagent.policy.PolicyException;
import dev.pinagent.policy.yaml.PolicyLoader;
import dev.pinagent.signing.PolicySignatureException;
import dev.pinagent.signing.PolicySignatures;
import dev.pinagent.signing.Sha256;
import dev.pinagent.verify.Printable;

/**
 * Decides, each time it is asked, whether the policy source holds a new policy to put in force. Content decides,
 * not modification times (which can stand still within a second, or go backwards when a file is restored): the
 * bytes are read whole, fingerprinted, and parsed only when the fingerprint differs from the one in force.
 *
 * <p>A file rewritten in place can be read while half written, and half a policy can be a valid one that
 * leaves the other half's hosts unpinned. So a new version is put in force only when a second read, a short
 * settling time later, finds the very same bytes; otherwise it is looked at again at the next interval.
 *
 * <p>A bad version never costs the policy in force: it is refused, logged once (not at every look, while it
 * stays), counted in {@code tls_pin_policy_loads_total{result="failure"}}, and {@code
 * tls_pin_policy_reload_failing} says so until the source holds a good version again (a new one, or the one in
 * force). A source that cannot be read (a file deleted, or unreadable) is treated the same way.
 *
 * <p>With signing on, a version is the policy and its {@code .sig} read as one pair: both are fingerprinted and
 * must settle together, the signature is checked on the bytes before they are parsed, and the serial must be
 * above the one in force. A deploy caught between writing the policy and its signature looks like a bad
 * signature for a moment, so a pair that fails its signature is refused only when a later look finds the very
 * same pair (it is never put in force meanwhile).
 */
public final class PolicyReloader {
  /** What puts a policy in force. */
  public interface Target {
    /**
     * Puts {@code policy} in force in place of the current one.
     *
     * @param sha256 the hex SHA-256 of its bytes
     */
    void install(Policy policy, String sha256);
  }

  private final PolicySource source;
  private final Target target;
  private final CounterStore counters;
  private final AgentLog log;
  private final long settleMillis;
  /** {@code null} when policies need no signature. */
  private final PolicySignatures signatures;
  /** The fingerprint of the policy in force; {@code null} while none is (a start with unpinned on error). */
  private String inForce;
  /** The serial of the signed policy in force; {@code -1} while none is. */
  private long serialInForce;
  /** The version whose signature failed at the last look: refused if the next look finds it unchanged. */
  private String suspect;
  /** Where each version put in force is kept, or {@code null}. */
  private PolicyCache cache;
  /** The fingerprint of the last version refused, or the message of the last read that failed. */
  private String lastRefused;

  /**
   * @param settleMillis how long after reading a new version to read it again, to see that it is complete
   * @param inForce the fingerprint of the policy in force, or {@code null} when none is
   */
  public PolicyReloader(PolicySource source, Target target, CounterStore counters, AgentLog log,
      long settleMillis, String inForce) {
    this(source, target, counters, log, settleMillis, inForce, null, -1);
  }

  /**
   * @param signatures the keys a policy must be signed with, or {@code null} when no signature is needed
   * @param serialInForce the serial of the signed policy in force, or {@code -1} when none is
   */
  public PolicyReloader(PolicySource source, Target target, CounterStore counters, AgentLog log,
      long settleMillis, String inForce, PolicySignatures signatures, long serialInForce) {
    this.signatures = signatures;
    this.serialInForce = serialInForce;
    this.source = source;
    this.settleMillis = settleMillis;
    this.target = target;
    this.counters = counters;
    this.log = log;
    this.inForce = inForce;
  }

  /** Keeps each version put in force in {@code cache} from now on. */
  public PolicyReloader cachingIn(PolicyCache cache) {
    this.cache = cache;
    return this;
  }

  /**
   * Looks at the source once; puts a new, valid version in force. Never throws for a bad source.
   *
   * @throws InterruptedException when interrupted while letting a new version settle
   */
  public void poll() throws InterruptedException {
    byte[] bytes;
    byte[] signature;
    try {
      bytes = source.read();
      signature = signatures == null ? null : source.readSignature();
    } catch (PolicyException e) {
      refuse("cannot read:" + e.getMessage(), source.unreadableReason(), "cannot be read", e.getMessage());
      return;
    }
    String fingerprint = fingerprint(bytes);
    if (fingerprint.equals(inForce)) {
      // Back to the version in force (a bad edit reverted, a deleted file restored): nothing is failing now.
      lastRefused = null;
      suspect = null;
      counters.policyStatus().failing(false);
      return;
    }
    String version = versionOf(fingerprint, signature);
    if (version.equals(lastRefused) || !settled(version)) {
      return;
    }
    if (signatures != null) {
      try {
        signatures.verify(source.name(), bytes, signature);
      } catch (PolicySignatureException e) {
        if (!version.equals(suspect)) {
          suspect = version;
          return;
        }
        refuse(version, PolicyStatus.SIGNATURE, "is not validly signed", e.getMessage());
        return;
      }
    }
    suspect = null;
    Policy policy;
    long serial = -1;
    try {
      policy = PolicyLoader.fromBytes(source.name(), bytes);
      if (signatures != null) {
        serial = PolicySignatures.serial(source.name(), policy);
      }
    } catch (PolicyException e) {
      refuse(version, PolicyStatus.INVALID, "is invalid", e.getMessage());
      return;
    }
    if (signatures != null && serialInForce >= 0) {
      String rollback = PolicySignatures.rollback(source.name(), serial, serialInForce);
      if (rollback != null) {
        refuse(version, PolicyStatus.ROLLBACK, "is an older version (rollback)", rollback);
        return;
      }
    }
    target.install(policy, fingerprint);
    inForce = fingerprint;
    serialInForce = serial;
    lastRefused = null;
    if (cache != null) {
      String failed = StartupLoad.store(cache, bytes, signature);
      if (failed != null) {
        log.log(AgentLog.Level.WARNING, "policy.cache", "[pin-agent] WARNING: " + Printable.of(failed),
            "warning", Printable.of(failed));
      }
    }
  }

  /** What identifies a version: the policy's fingerprint, and with signing on its signature's as well. */
  private String versionOf(String fingerprint, byte[] signature) {
    if (signatures == null) {
      return fingerprint;
    }
    return fingerprint + (signature == null ? ":unsigned" : ":" + fingerprint(signature));
  }

  /** Whether the source still holds {@code version} after the settling time. */
  private boolean settled(String version) throws InterruptedException {
    Thread.sleep(settleMillis);
    try {
      byte[] bytes = source.read();
      byte[] signature = signatures == null ? null : source.readSignature();
      return version.equals(versionOf(fingerprint(bytes), signature));
    } catch (PolicyException e) {
      // Gone again already: the next look sees what is there then.
      return false;
    }
  }

  private void refuse(String what, String reason, String problem, String message) {
    counters.policyStatus().failing(true);
    if (what.equals(lastRefused)) {
      return;
    }
    lastRefused = what;
    counters.recordPolicyLoad(false, reason);
    String kept = inForce == null ? "none" : shortFingerprint(inForce);
    log.log(AgentLog.Level.ERROR, "policy.refused", "[pin-agent] ERROR: policy reload refused: the policy source "
        + problem + "; " + (inForce == null ? "the service stays UNPINNED until a valid policy is there"
            : "the policy in force (sha256 " + kept + ") stays") + ": " + Printable.of(message),
        "policy", source.name(), "reason", reason, "in_force_sha256", kept, "error", Printable.of(message));
  }

  /** The hex SHA-256 of {@code bytes}. */
  public static String fingerprint(byte[] bytes) {
    return Sha256.hex(bytes);
  }

  /** The first 12 hex digits of a fingerprint: what the {@code sha256} tag and log lines show. */
  public static String shortFingerprint(String fingerprint) {
    return fingerprint.substring(0, Math.min(12, fingerprint.length()));
  }
}
