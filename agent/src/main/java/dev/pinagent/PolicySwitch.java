package dev.pinagent;

import dev.pinagent.bridge.TrustManagerWrapping;
import dev.pinagent.log.AgentLog;
import dev.pinagent.policy.Policy;
import dev.pinagent.policy.PolicyLint;
import dev.pinagent.reload.PolicyReloader;
import dev.pinagent.verify.PinVerifier;
import dev.pinagent.verify.Printable;
import java.util.function.LongSupplier;

/**
 * Puts a reloaded policy in force: builds its snapshot (verifier, caches, a counters view over the same store),
 * swaps it in with one write, and then empties the client session caches, so that no session checked under the
 * old policy is resumed under the new one (a resumed session skips the trust manager). Caches are emptied again
 * at the next look at the source, for the sessions of handshakes that were checked under the old policy while
 * the swap happened.
 */
final class PolicySwitch implements PolicyReloader.Target {
  private final AgentEnforcement enforcement;
  private final String source;
  private final AgentLog log;
  private final LongSupplier clock;
  private volatile boolean sessionsToForgetAgain;

  PolicySwitch(AgentEnforcement enforcement, String source, AgentLog log, LongSupplier clock) {
    this.enforcement = enforcement;
    this.source = source;
    this.log = log;
    this.clock = clock;
  }

  @Override
  public void install(Policy policy, String sha256) {
    PinVerifier old = enforcement.verifier();
    PinVerifier next = old.forPolicy(policy);
    String previous = old.counters().store().policyStatus().sha256();
    String fingerprint = PolicyReloader.shortFingerprint(sha256);
    next.counters().policyLoaded(fingerprint, source, clock.getAsLong());
    enforcement.replace(next);
    int forgotten = forgetSessions();
    sessionsToForgetAgain = true;
    log.log(AgentLog.Level.INFO, "policy.reloaded", "[pin-agent] policy reloaded: pinning " + policy.pinSets().size()
        + " pin-set(s) from " + Printable.of(source) + " (default mode " + policy.defaultMode().id() + ", sha256 "
        + fingerprint + (previous == null ? ", was unpinned" : ", was " + previous) + "); " + forgotten
        + " cached TLS session(s) forgotten",
        "pin_sets", policy.pinSets().size(), "policy", source, "default_mode", policy.defaultMode().id(),
        "sha256", fingerprint, "previous_sha256", previous == null ? "none" : previous, "sessions_forgotten",
        forgotten);
    for (String warning : PolicyLint.summarized(PolicyLint.lint(policy, clock.getAsLong()),
        AgentStartup.WARNINGS_PER_KIND, "run java -jar pin-agent.jar check " + source + " --all to see them all")) {
      log.log(AgentLog.Level.WARNING, "policy.warning", "[pin-agent] WARNING: " + Printable.of(source) + ": "
          + Printable.of(warning), "policy", source, "warning", Printable.of(warning));
    }
  }

  /** Called at each look at the source: finishes the emptying of session caches after a swap. */
  void beforeEachLook() {
    if (sessionsToForgetAgain) {
      sessionsToForgetAgain = false;
      forgetSessions();
    }
  }

  private int forgetSessions() {
    try {
      return TrustManagerWrapping.forgetResumableSessions();
    } catch (RuntimeException e) {
      enforcement.failed("resumption", e);
      return 0;
    }
  }
}
