package dev.pinagent.verify;

import java.util.function.Consumer;

/**
 * Told of every pin violation and check error of a pinned host, on the handshake's thread, after it is counted
 * and before an enforced handshake fails. It must return quickly and never block: the log and the report queue
 * behind it are bounded for that reason. What it throws is ignored (and counted as an agent error); it can never
 * change the decision.
 */
@FunctionalInterface
public interface ViolationListener {
  void violated(PinViolation violation);

  /** Prints each violation's text line to {@code log}, as the agent did before its log had formats. */
  static ViolationListener logging(Consumer<String> log) {
    return violation -> log.accept(violation.text());
  }
}
