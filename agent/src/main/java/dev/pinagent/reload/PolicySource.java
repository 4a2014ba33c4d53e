package dev.pinagent.reload;

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
}
