package dev.pinagent.signing;

import dev.pinagent.policy.Policy;
import dev.pinagent.policy.PolicyException;

/**
 * The rules of a signed policy: a valid detached signature by a listed key over the exact bytes, and a {@code
 * serial} that only goes up. Checked on the bytes before they are parsed, so an unsigned file never reaches the
 * YAML parser.
 *
 * <p>Why: once a file decides what a fleet trusts, whoever can write it (a compromised configuration pipeline, a
 * shared volume) can unpin a partner or pin an attacker. The serial stops the other attack a signature alone
 * allows: replaying an older signed policy that still pins a key since revoked.
 */
public final class PolicySignatures {
  private final PublicKeys keys;

  public PolicySignatures(PublicKeys keys) {
    this.keys = keys;
  }

  /** Where the signature of {@code policy} is: {@code <policy>.sig}, for a path or a URL alike. */
  public static String signatureName(String policy) {
    return policy + ".sig";
  }

  /**
   * Checks that {@code signature} is a valid signature of {@code policy} by one of the keys.
   *
   * @param policyName the policy's file or URL, for messages
   * @param signature the bytes of its {@code .sig}, or {@code null} when there is none
   * @return the id of the key that signed
   * @throws PolicySignatureException saying whether the policy is unsigned, the signature malformed, by a key not
   *     listed, or not over these bytes
   */
  public String verify(String policyName, byte[] policy, byte[] signature) throws PolicySignatureException {
    String sigName = signatureName(policyName);
    if (signature == null) {
      throw new PolicySignatureException(policyName + ": is not signed: there is no " + sigName + " and "
          + "policy.public-key requires a signed policy; sign it with java -jar pin-agent.jar sign " + policyName
          + " --key <private key>");
    }
    DetachedSignature parsed = DetachedSignature.parse(sigName, signature);
    if (!keys.lists(parsed.keyId())) {
      throw new PolicySignatureException(sigName + ": signed with key " + parsed.keyId() + ", which is not in "
          + "policy.public-key (it lists " + String.join(", ", keys.ids()) + "); add that key's .pub to the file, "
          + "or sign with a listed key");
    }
    if (!keys.verify(parsed.keyId(), policy, parsed.signature())) {
      throw new PolicySignatureException(sigName + ": the signature by key " + parsed.keyId() + " does not match "
          + "the policy's bytes: the policy was changed after it was signed, or the .sig is of another version");
    }
    return parsed.keyId();
  }

  /**
   * The serial of a signed policy.
   *
   * @throws PolicyException when it has none
   */
  public static long serial(String policyName, Policy policy) throws PolicyException {
    if (policy.serial().isEmpty()) {
      throw new PolicyException(policyName, 0, "/serial", "a signed policy needs 'serial: <whole number>' at the top "
          + "level, raised with each version (e.g. the date and time, 202612011030), so that an older version "
          + "cannot be replayed");
    }
    return policy.serial().getAsLong();
  }

  /**
   * Why a policy with {@code serial} must not replace the one in force with {@code inForce}, or {@code null} when
   * it may: a lower serial is an older version (replayed, or restored by mistake); an equal serial with other
   * bytes (the caller only asks about different bytes) is two versions that cannot be told apart.
   */
  public static String rollback(String policyName, long serial, long inForce) {
    if (serial < inForce) {
      return policyName + ": serial " + serial + " is lower than the serial " + inForce + " of the policy in force: "
          + "an older signed version (replayed, or restored by mistake) is refused; ship a version with a serial "
          + "above " + inForce;
    }
    if (serial == inForce) {
      return policyName + ": serial " + serial + " is that of the policy in force, but the bytes differ; give each "
          + "new version a higher serial";
    }
    return null;
  }
}
