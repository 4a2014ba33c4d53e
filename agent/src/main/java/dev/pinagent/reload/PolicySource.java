package dev.pinagent.reload;

import dev.pinagent.metrics.PolicyStatus;
import dev.pinagent.policy.PolicyException;

/** Where the policy comes from: read whole, each time the reload thread looks. */
public interface PolicySource {
  /** Names the source in log lines and in the {@code source} tag of {@code tls.pin.policy.info}. */
  String name();

  /**
   * The policy's bytes as they are now.
   *
   * @throws PolicyException when they cannot be read (missing, unreadable, too large): the message says why
   */
  byte[] read() throws PolicyException;

  /**
   * The bytes of the policy's detached signature ({@code <source>.sig}) as they are now, read right after {@link
   * #read()}; {@code null} when there is none (and for a source that has no signatures, so that with signing on
   * its policy is refused as unsigned).
   *
   * @throws PolicyException when it exists but cannot be read
   */
  default byte[] readSignature() throws PolicyException {
    return null;
  }

  /** The {@code reason} a failed read is counted under: {@code unreadable} for a file. */
  default String unreadableReason() {
    return PolicyStatus.UNREADABLE;
  }
}
